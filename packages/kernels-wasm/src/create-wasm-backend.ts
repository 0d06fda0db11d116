import { type DecodeStreamsOption, DecodeTuner, type ReadAheadOption } from './decode-tuning.js';
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
   * Computes EXL2 products with f32 activations instead of activations quantized to integers per chunk of
   * up to 128 inputs (8-bit with relaxed SIMD, 16-bit without). It stays within f32 rounding of the CPU
   * reference but runs several times slower. The quantized path is off by up to about 2e-4 of the output's
   * root mean square with 16-bit activations. With 8-bit ones a typical error is about 1e-2 of the rms
   * and the worst measured 4.7e-2 (see the package README). Default: `false`.
   */
  exactActivations?: boolean;
  /**
   * Uses the kernels built on relaxed SIMD's 8-bit dot product
   * (`i16x8.relaxed_dot_i8x16_i7x16_s`): on two threads about 1.7 times as fast as baseline SIMD on
   * one-row EXL2 products and 2.7 times on 64 rows. In Node
   * 20 this sets V8's `--experimental-wasm-relaxed-simd` flag for the process; Node 22 and Chromium 114
   * or later have relaxed SIMD on already. `true` requires it, `false` uses baseline SIMD with 16-bit
   * activations. Default: relaxed SIMD where the engine has it, else baseline.
   */
  relaxedSimd?: boolean;
  /**
   * Whether one-row EXL2 products (decode) load each line of codes 2 KiB before they need it.
   * WebAssembly has no prefetch instruction, and whether these extra loads help depends on the
   * machine: on a 2-core Intel KVM guest they made products from memory 1.8 times as fast, on a 2-core
   * AMD Zen 5 guest 1.6 times as slow. `'auto'` times both on the first decode steps and keeps the
   * faster (see `WasmBackend.decodeSettings`). Results are the same either way. With
   * `exactActivations: true` products never read ahead and this option has no effect. Default: `'auto'`.
   */
  readAhead?: ReadAheadOption;
  /**
   * Memory streams each thread reads in one-row EXL2 products (decode): 2 or 4. On a 2-core Intel KVM
   * guest four were faster, on a 2-core AMD Zen 5 guest two. `'auto'` times both on the first decode
   * steps, together with the `readAhead` candidates (at least 32 products and 256 MiB of codes each),
   * and keeps the fastest. Results are the same either way. With `exactActivations: true` products read
   * one stream and this option has no effect. Default: `'auto'`.
   */
  decodeStreams?: DecodeStreamsOption;
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

  const readAhead = options.readAhead === undefined ? 'auto' : options.readAhead;
  if (readAhead !== 'auto' && typeof readAhead !== 'boolean') {
    throw new WasmBackendOptionError('readAhead', readAhead, "expected true, false or 'auto'");
  }
  const decodeStreams = options.decodeStreams === undefined ? 'auto' : options.decodeStreams;
  if (decodeStreams !== 'auto' && decodeStreams !== 2 && decodeStreams !== 4) {
    throw new WasmBackendOptionError('decodeStreams', decodeStreams, "expected 2, 4 or 'auto'");
  }

  const relaxedOption = options.relaxedSimd;
  if (relaxedOption !== undefined && typeof relaxedOption !== 'boolean') {
    throw new WasmBackendOptionError('relaxedSimd', relaxedOption, 'expected true, false or undefined');
  }
  const relaxed = relaxedOption === false ? false : platform.enableRelaxedSimd();
  if (relaxedOption === true && !relaxed) {
    throw new WasmBackendOptionError(
      'relaxedSimd',
      relaxedOption,
      'this engine has no relaxed SIMD; leave the option out or pass false to use baseline SIMD',
    );
  }

  const shared = requested > 1 && platform.canShareMemory();
  const threads = shared ? requested : 1;
  const module = await platform.loadModule(shared, relaxed);
  const memory = new WebAssembly.Memory({
    initial: 32,
    maximum: WASM32_MAX_MEMORY_BYTES / WASM_PAGE_BYTES,
    ...(shared ? { shared: true } : {}),
  });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as {
    run_job: (job: number, index: number, count: number) => void;
    chunk_blocks: () => number;
    read_ahead_bytes: () => number;
    __heap_base: WebAssembly.Global;
  };
  const heap = new WasmHeap(memory, exports.__heap_base.value as number);
  const pool = await ThreadPool.start(platform, module, heap, exports.run_job, threads);
  const readAheadBytes = exports.read_ahead_bytes();
  return new WasmBackendImpl(
    new KernelContext(heap, pool, exports.chunk_blocks(), readAheadBytes),
    threads,
    exactActivations,
    relaxed,
    new DecodeTuner(readAhead, decodeStreams, readAheadBytes),
  );
}
