/**
 * Errors of `@minichat/kernels-wasm` that are specific to WebAssembly: loading the kernels, memory and
 * worker threads. Invalid arguments to backend ops raise the runtime's `BackendUsageError`, as every
 * backend does.
 */

import { formatValue } from '@minichat/runtime';

const kernelsWasmErrorMarker = Symbol.for('@minichat/kernels-wasm/error');

/** Base class of every error this package raises on purpose, apart from `BackendUsageError`. */
export class KernelsWasmError extends Error {
  /** Marker that survives copies of the package (see {@link KernelsWasmError.isInstance}). */
  readonly [kernelsWasmErrorMarker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KernelsWasmError';
  }

  /** Tells whether `error` is a {@link KernelsWasmError}, even one created by another copy of this package. */
  static isInstance(error: unknown): error is KernelsWasmError {
    return typeof error === 'object' && error !== null && kernelsWasmErrorMarker in error;
  }
}

/** The kernel module could not be fetched, read or compiled. */
export class WasmModuleLoadError extends KernelsWasmError {
  /** URL or path the module was loaded from. */
  readonly source: string;

  constructor(source: string, options?: { cause?: unknown }) {
    super(
      `Failed to load the WebAssembly kernels from ${source}. Build the package ` +
        '(`pnpm --filter @minichat/kernels-wasm build`, needs clang and lld) or check that the file is served.',
      options,
    );
    this.name = 'WasmModuleLoadError';
    this.source = source;
  }
}

/** An allocation does not fit in the 4 GiB that a wasm32 memory can address. */
export class WasmMemoryLimitError extends KernelsWasmError {
  /** Name of the allocation, such as `kv cache keys`. */
  readonly label: string;
  /** Bytes requested. */
  readonly requestedBytes: number;
  /** Bytes already in use by this backend. */
  readonly usedBytes: number;
  /** Maximum bytes of the memory. */
  readonly limitBytes: number;

  constructor(label: string, requestedBytes: number, usedBytes: number, limitBytes: number, cause?: unknown) {
    super(
      `Failed to allocate ${requestedBytes} bytes for ${label}: ${usedBytes} of ${limitBytes} bytes of ` +
        'WebAssembly memory are in use. Use a shorter context, an f16 KV cache or a smaller model.',
      { cause },
    );
    this.name = 'WasmMemoryLimitError';
    this.label = label;
    this.requestedBytes = requestedBytes;
    this.usedBytes = usedBytes;
    this.limitBytes = limitBytes;
  }
}

/** An option of `createWasmBackend` is invalid. */
export class WasmBackendOptionError extends KernelsWasmError {
  /** The option name, such as `threads`. */
  readonly option: string;
  /** The value that was passed. */
  readonly actual: unknown;

  constructor(option: string, actual: unknown, requirement: string) {
    super(`Invalid option ${option} = ${formatValue(actual)}: ${requirement}.`);
    this.name = 'WasmBackendOptionError';
    this.option = option;
    this.actual = actual;
  }
}

/** A kernel trapped or a worker thread failed; the backend cannot be used afterwards. */
export class WasmKernelError extends KernelsWasmError {
  /** The backend op that was running, such as `matmul`. */
  readonly op: string;

  constructor(op: string, detail: string, options?: { cause?: unknown }) {
    super(
      `The WebAssembly kernel of ${op}() failed: ${detail}. Dispose this backend and create a new one.`,
      options,
    );
    this.name = 'WasmKernelError';
    this.op = op;
  }
}
