/// <reference types="@webgpu/types" />
/**
 * WebGPU kernels for the MiniChat runtime: a `Backend` of `@minichat/runtime` that runs EXL2 and fp16 LLaMA models with
 * WGSL compute shaders, in browsers and (through `@minichat/kernels-webgpu/node`) in Node with Dawn.
 *
 * @packageDocumentation
 */
export type { ModelFitReport, ModelFitShape } from './backend/fit.js';
export type { KernelTiming, WebGpuBackend } from './backend/webgpu-backend.js';
export {
  createWebGpuBackend,
  type WebGpuBackendOptions,
  type WebGpuDebugOptions,
} from './create.js';
export {
  WebGpuBackendError,
  WebGpuCapacityError,
  WebGpuDeviceError,
  WebGpuDeviceLostError,
  WebGpuDisposedError,
  WebGpuInvalidArgumentError,
  WebGpuUnavailableError,
} from './errors.js';
