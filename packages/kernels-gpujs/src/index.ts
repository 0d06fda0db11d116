/**
 * A kernel backend for `@minichat/runtime` built on gpu.js: WebGL2 or WebGL in browsers without WebGPU,
 * and headless-gl, WebAssembly or plain JavaScript in Node.
 *
 * @packageDocumentation
 */
export { KernelsGpuJsError, TextureLimitError, UnavailableModeError } from './errors.js';
export {
  createGpuJsBackend,
  type GpuJsBackend,
  type GpuJsBackendOptions,
  WEBGL1_MAX_ARGUMENT_ELEMENTS,
} from './gpujs-backend.js';
export {
  availableGpuJsModes,
  GPUJS_MODES,
  type GpuJsMode,
  type GpuJsModeRequest,
  resolveGpuJsMode,
} from './modes.js';
