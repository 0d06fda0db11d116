import type { ModelReader } from '@minichat/exl2-format';
import {
  availableGpuJsModes,
  createGpuJsBackend,
  type GpuJsBackend,
  type GpuJsMode,
  WEBGL1_MAX_ARGUMENT_ELEMENTS,
} from '@minichat/kernels-gpujs';
import { createWebGpuBackend, type WebGpuBackend } from '@minichat/kernels-webgpu';
import { type Backend, DEFAULT_PREFILL_CHUNK_SIZE } from '@minichat/runtime';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { BackendUnavailableError } from '../errors.js';
import type { DeviceReport, FitReport } from './protocol.js';

/** Backend requested by the user; `auto` takes WebGPU, then gpu.js on WebGL, then the CPU. */
export type BackendPreference = 'auto' | 'webgpu' | 'gpujs' | 'cpu';

/** The adapter found by {@link probeDevice}, kept so the backend is created on the same one. */
export interface ProbedDevice {
  /** Facts shown on the page. */
  report: DeviceReport;
  /** The WebGPU adapter, when there is one. */
  adapter: GPUAdapter | undefined;
}

/** Finds a WebGPU adapter, or returns why there is none. */
async function requestAdapter(): Promise<GPUAdapter | string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (gpu === undefined) return 'This browser has no WebGPU (navigator.gpu is missing).';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ?? 'WebGPU is present but requestAdapter() returned no adapter, so it may be disabled.';
  } catch (error) {
    return `requestAdapter() failed: ${String(error)}.`;
  }
}

/** Lists the gpu.js modes this browser runs; an empty list when gpu.js fails to start. */
function gpuJsModes(): GpuJsMode[] {
  try {
    return availableGpuJsModes();
  } catch {
    return [];
  }
}

/**
 * Reports the WebGPU adapter (features and buffer limits) and the gpu.js modes, and picks the backend:
 * WebGPU when there is an adapter, else gpu.js when WebGL runs, else the CPU reference backend.
 */
export async function probeDevice(): Promise<ProbedDevice> {
  const adapter = await requestAdapter();
  const modes = gpuJsModes();
  const hasWebGl = modes.includes('webgl2') || modes.includes('webgl');
  const report: DeviceReport = {
    backend: 'webgpu',
    fallbackReason: undefined,
    adapter: undefined,
    shaderF16: false,
    maxBufferSize: undefined,
    maxStorageBufferBindingSize: undefined,
    gpuJsModes: modes,
  };
  if (typeof adapter === 'string') {
    report.backend = hasWebGl ? 'gpujs' : 'cpu';
    report.fallbackReason = hasWebGl ? adapter : `${adapter} WebGL is missing too.`;
    return { report, adapter: undefined };
  }
  report.adapter = describeAdapter(adapter.info);
  report.shaderF16 = adapter.features.has('shader-f16');
  report.maxBufferSize = adapter.limits.maxBufferSize;
  report.maxStorageBufferBindingSize = adapter.limits.maxStorageBufferBindingSize;
  return { report, adapter };
}

/** Creates the backend the user asked for, or the probe's choice for `auto`. */
export async function createBackend(probe: ProbedDevice, preference: BackendPreference): Promise<Backend> {
  const kind = preference === 'auto' ? probe.report.backend : preference;
  if (kind === 'webgpu') {
    if (probe.adapter === undefined) {
      throw new BackendUnavailableError(
        `WebGPU is not available: ${probe.report.fallbackReason} Choose gpu.js or CPU as the backend.`,
        'webgpu',
      );
    }
    return createWebGpuBackend({ adapter: probe.adapter });
  }
  // gpu.js takes its best mode: WebGL2, then WebGL, then WebAssembly, then plain JavaScript.
  if (kind === 'gpujs') return createGpuJsBackend({ mode: 'auto' });
  return createCpuBackend();
}

/** Joins the adapter's vendor, architecture, device and description, skipping empty ones. */
function describeAdapter(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part);
  return parts.length > 0 ? parts.join(' ') : 'unnamed adapter';
}

/** Estimates the memory `reader`'s model needs on `backend` and whether the device limits allow it. */
export function checkFit(reader: ModelReader, backend: Backend, contextLength: number): FitReport {
  const { config } = reader;
  const summary = reader.summary();
  const embedding = reader.tensorInfo('model.embed_tokens.weight');
  const summaryText =
    `${config.numHiddenLayers} layers, hidden size ${config.hiddenSize}, ${summary.format} at ` +
    `${summary.bitsPerWeight.toFixed(2)} bits per weight, context ${contextLength}`;
  const kvDim = config.numKeyValueHeads * config.headDim;

  if (backend.name === 'webgpu') {
    const report = (backend as WebGpuBackend).checkModelFits({
      hiddenSize: config.hiddenSize,
      intermediateSize: config.intermediateSize,
      numLayers: config.numHiddenLayers,
      numHeads: config.numAttentionHeads,
      numKvHeads: config.numKeyValueHeads,
      headDim: config.headDim,
      vocabSize: config.vocabSize,
      contextLength,
      prefillChunkSize: DEFAULT_PREFILL_CHUNK_SIZE,
      kvCacheDtype: 'f16',
      embeddingDtype: embedding.dtype === 'F32' ? 'f32' : 'f16',
      bitsPerWeight: summary.bitsPerWeight,
      headBitsPerWeight: config.tieWordEmbeddings ? 0 : (summary.headBits ?? summary.bitsPerWeight),
    });
    return { ...report, summary: summaryText };
  }
  // Estimate: the weights at their file size plus a key/value cache of 4 bytes per element.
  const cacheBytes = 2 * config.numHiddenLayers * contextLength * kvDim * 4;
  const totalBytes = summary.tensorBytes + cacheBytes;

  const problems: string[] = [];
  const mode = (backend as Partial<GpuJsBackend>).mode;
  if (mode === 'webgl') {
    // WebGL 1 shaders address texels in f32, so one kernel argument contains at most 2^24 elements.
    const largest = Math.max(
      config.vocabSize * config.hiddenSize,
      config.intermediateSize * config.hiddenSize,
      contextLength * kvDim,
    );
    if (largest > WEBGL1_MAX_ARGUMENT_ELEMENTS) {
      problems.push(
        `One tensor has ${largest} elements but WebGL 1 kernels take at most ${WEBGL1_MAX_ARGUMENT_ELEMENTS}: use a WebGL2 or WebGPU browser, or a shorter context.`,
      );
    }
  }
  return {
    fits: problems.length === 0,
    totalBytes,
    problems:
      problems.length > 0
        ? problems
        : [
            `${backend.info.description} is not checked against device limits, so the size is only an estimate of memory.`,
          ],
    summary: summaryText,
  };
}
