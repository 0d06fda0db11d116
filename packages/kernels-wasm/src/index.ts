/**
 * A kernel backend for `@minichat/runtime` that runs on CPUs through WebAssembly SIMD: EXL2 matrix
 * products on 16-bit quantized activations with `i32x4.dot_i16x8_s`, attention, norms, split across Web
 * Workers over a shared memory.
 *
 * This entry point loads the kernels with `fetch` and starts Web Workers; in Node, import
 * `@minichat/kernels-wasm/node` instead.
 *
 * @packageDocumentation
 */
import { createWasmBackendOn, type WasmBackendOptions } from './create-wasm-backend.js';
import { browserPlatform } from './platform-browser.js';
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
 * Creates the WebAssembly backend in a browser or worker: fetches the kernel module that ships beside
 * this file and runs kernels on `options.threads` threads when the page is cross-origin isolated.
 *
 * @throws {WasmModuleLoadError} when the module cannot be fetched or compiled.
 * @throws {WasmBackendOptionError} when an option is invalid.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  return createWasmBackendOn(browserPlatform, options);
}
