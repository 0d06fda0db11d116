import type { Backend } from '@minichat/runtime';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { BackendUnavailableError } from './errors.js';
import type { Logger } from './log.js';

/** Values of `--backend`. */
export const BACKEND_NAMES = ['auto', 'webgpu', 'wasm', 'gpujs', 'cpu'] as const;

/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Returns whether `error` reports that no WebGPU adapter or device could be obtained. */
function isWebGpuUnavailable(error: unknown): boolean {
  return error instanceof Error && error.name === 'WebGpuUnavailableError';
}

/** Creates the WebGPU backend on a Dawn device. Loads Dawn only when this backend is requested. */
async function createWebGpu(): Promise<Backend> {
  const { createNodeWebGpuBackend } = await import('@minichat/kernels-webgpu/node');
  return createNodeWebGpuBackend();
}

/** Creates the WebAssembly SIMD backend. */
async function createWasm(): Promise<Backend> {
  const { createWasmBackend } = await import('@minichat/kernels-wasm/node');
  return createWasmBackend();
}

/**
 * Creates the gpu.js backend in its best mode here: headless-gl when the optional `gl` package
 * works, else WebAssembly or plain JavaScript.
 */
async function createGpuJs(): Promise<Backend> {
  const { createGpuJsBackend } = await import('@minichat/kernels-gpujs/node');
  return createGpuJsBackend({ mode: 'auto' });
}

/**
 * Creates the backend that `--backend` names. `auto` tries WebGPU and falls back to the CPU
 * reference backend when Dawn finds no adapter, saying so on stderr.
 */
export async function createBackend(name: BackendName, log: Logger): Promise<Backend> {
  switch (name) {
    case 'cpu':
      return createCpuBackend();
    case 'wasm':
      return createWasm();
    case 'gpujs':
      return createGpuJs();
    case 'webgpu':
      try {
        return await createWebGpu();
      } catch (error) {
        if (!isWebGpuUnavailable(error)) throw error;
        throw new BackendUnavailableError(
          `The WebGPU backend is unavailable: ${(error as Error).message} Use --backend auto to fall back to the CPU.`,
          name,
          { cause: error },
        );
      }
    case 'auto':
      try {
        const backend = await createWebGpu();
        log.info(`Backend: webgpu (auto: a WebGPU adapter was found: ${backend.info.description})`);
        return backend;
      } catch (error) {
        if (!isWebGpuUnavailable(error)) throw error;
        log.info(
          `Backend: cpu (auto: no WebGPU adapter, so the CPU backend was chosen. ${(error as Error).message})`,
        );
        return createCpuBackend();
      }
  }
}
