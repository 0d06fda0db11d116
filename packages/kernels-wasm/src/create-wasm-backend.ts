import { WasmBackendOptionError } from './errors.js';
import { WASM_PAGE_BYTES, WASM32_MAX_MEMORY_BYTES, WasmHeap } from './heap.js';
import { KernelContext } from './kernel-context.js';
import type { Platform } from './platform.js';
import { ThreadPool } from './thread-pool.js';
import { type WasmBackend, WasmBackendImpl } from './wasm-backend.js';

/** Upper bound of `threads`, far above any CPU this runs on; it guards against typos such as 1e6. */
const MAX_THREADS = 256;

/** Options of `createWasmBackend`. */
export interface WasmBackendOptions {
  /**
   * Threads that run kernels, the calling thread included; matmul output columns and attention heads are
   * split across them. Where memory cannot be shared (no SharedArrayBuffer, or a browser page that is not
   * cross-origin isolated) the backend runs on one thread whatever this value is.
   * Default: the number of logical processors.
   */
  threads?: number;
  /**
   * Computes EXL2 products with f32 activations instead of activations quantized to 16-bit integers per
   * chunk of up to 128 inputs. It stays within f32 rounding of the CPU reference but runs at about half the
   * decode speed and a third of the prefill speed. The quantized path is off by up to about 2e-4 of the
   * output's root mean square. Default: `false`.
   */
  exactActivations?: boolean;
}

/** Creates the backend on `platform`; the entry points bind the platform. */
export async function createWasmBackendOn(
  platform: Platform,
  options: WasmBackendOptions = {},
): Promise<WasmBackend> {
  const requested = options.threads ?? platform.hardwareConcurrency();
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_THREADS) {
    throw new WasmBackendOptionError('threads', requested, `expected an integer in [1, ${MAX_THREADS}]`);
  }
  const exactActivations = options.exactActivations ?? false;
  if (typeof exactActivations !== 'boolean') {
    throw new WasmBackendOptionError('exactActivations', exactActivations, 'expected true or false');
  }

  const shared = requested > 1 && platform.canShareMemory();
  const threads = shared ? requested : 1;
  const module = await platform.loadModule(shared);
  const memory = new WebAssembly.Memory({
    initial: 32,
    maximum: WASM32_MAX_MEMORY_BYTES / WASM_PAGE_BYTES,
    ...(shared ? { shared: true } : {}),
  });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as {
    run_job: (job: number, index: number, count: number) => void;
    __heap_base: WebAssembly.Global;
  };
  const heap = new WasmHeap(memory, exports.__heap_base.value as number);
  const pool = await ThreadPool.start(platform, module, heap, exports.run_job, threads);
  return new WasmBackendImpl(new KernelContext(heap, pool), threads, exactActivations);
}
