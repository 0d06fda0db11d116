import type { DecodeSettings as WasmDecodeSettings } from '@minichat/kernels-wasm';
import type { Backend } from '@minichat/runtime';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { loadModelFromDirectory } from '@minichat/runtime/node';
import { BenchError } from '../errors.js';
import type { RunMeasurement, RunSpec } from './types.js';

async function createBackend(spec: RunSpec): Promise<Backend> {
  switch (spec.runner) {
    case 'cpu':
      return createCpuBackend();
    case 'wasm': {
      const { createWasmBackend } = await import('@minichat/kernels-wasm/node');
      return createWasmBackend({ threads: spec.threads });
    }
    case 'webgpu': {
      const { createNodeWebGpuBackend } = await import('@minichat/kernels-webgpu/node');
      return createNodeWebGpuBackend();
    }
    case 'gpujs': {
      // auto picks headless-gl when the optional gl package is built and a display exists (xvfb-run),
      // else WebAssembly, else plain JavaScript; the description names the mode.
      const { createGpuJsBackend } = await import('@minichat/kernels-gpujs/node');
      return createGpuJsBackend({ mode: 'auto' });
    }
    default:
      throw new BenchError(`${spec.runner} is not one of our backends.`);
  }
}

/** Tells whether a backend's kernels run on a GPU rather than on a CPU emulation of one. */
function runsOnGpu(spec: RunSpec, backend: Backend): boolean {
  if (spec.runner === 'webgpu') return !/swiftshader/i.test(backend.info.description);
  if (spec.runner === 'gpujs') return /^gpujs-(webgl2|webgl|headlessgl)$/.test(backend.name);
  return false;
}

/** Returns the backend's description, with the decode settings the WebAssembly backend chose while decoding. */
function describe(backend: Backend): string {
  if (!('decodeSettings' in backend)) return backend.info.description;
  const settings = backend.decodeSettings as WasmDecodeSettings | undefined;
  if (settings === undefined) return `${backend.info.description}, decode settings still undecided`;
  const readAhead =
    settings.readAheadBytes === 0 ? 'no read-ahead' : `read-ahead ${settings.readAheadBytes} B`;
  return `${backend.info.description}, ${settings.streams} streams per thread, ${readAhead}`;
}

/**
 * Measures one of our backends: creates it, loads the EXL2 model, then generates greedily from the
 * prompt for `1 + decodeTokens` tokens without stopping at end-of-sequence.
 */
export async function measureOurs(spec: RunSpec): Promise<RunMeasurement> {
  let start = performance.now();
  const backend = await createBackend(spec);
  const initMs = performance.now() - start;
  try {
    start = performance.now();
    const model = await loadModelFromDirectory(spec.exl2Dir, { backend, contextLength: spec.contextLength });
    const loadMs = performance.now() - start;
    try {
      for await (const event of model.generate({
        promptTokens: spec.promptTokens,
        maxTokens: spec.decodeTokens + 1,
        stopTokens: [],
        sampling: { temperature: 0 },
      })) {
        if (event.type !== 'finish') continue;
        const { usage } = event;
        if (usage.timeToFirstTokenMs === undefined || usage.tokensPerSecond === undefined) {
          throw new BenchError(
            `Generation ended early (${event.reason}) after ${event.tokens.length} tokens.`,
          );
        }
        return {
          description: describe(backend),
          initMs,
          loadMs,
          prefillTokensPerSecond: spec.promptTokens.length / (usage.timeToFirstTokenMs / 1000),
          decodeTokensPerSecond: usage.tokensPerSecond,
          tokens: event.tokens,
          peakRssBytes: process.resourceUsage().maxRSS * 1024,
          onGpu: runsOnGpu(spec, backend),
        };
      }
      throw new BenchError('Generation produced no finish event.');
    } finally {
      model.dispose();
    }
  } finally {
    backend.dispose();
  }
}
