/**
 * The Node entry point: reads the kernel module from this package's `dist/` and runs kernels on
 * `worker_threads`.
 *
 * @packageDocumentation
 */
import { createWasmBackendOn, type WasmBackendOptions } from './create-wasm-backend.js';
import { nodePlatform } from './platform-node.js';
import type { WasmBackend } from './wasm-backend.js';

export type { WasmBackendOptions } from './create-wasm-backend.js';
export type { DecodeSettings, DecodeStreamsOption, ReadAheadOption } from './decode-tuning.js';
export {
  KernelsWasmError,
  WasmBackendOptionError,
  WasmKernelError,
  WasmMemoryLimitError,
  WasmModuleLoadError,
} from './errors.js';
export { WASM32_MAX_MEMORY_BYTES } from './heap.js';
export type { WasmBackend } from './wasm-backend.js';

/**
 * Creates the WebAssembly backend in Node. Worker threads do not keep the process alive, and `dispose()`
 * terminates them.
 *
 * @throws {WasmModuleLoadError} when `dist/` lacks the kernels (build the package first).
 * @throws {WasmBackendOptionError} when an option is invalid.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  return createWasmBackendOn(nodePlatform, options);
}
