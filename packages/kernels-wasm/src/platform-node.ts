import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { WasmModuleLoadError } from './errors.js';
import { kernelModuleUrl } from './kernel-files.js';
import type { Platform, WorkerThread } from './platform.js';
import { engineHasRelaxedSimd } from './relaxed-simd.js';

/** Node: read the kernels from dist/ beside this module and use `worker_threads`. */
export const nodePlatform: Platform = {
  async loadModule(shared, relaxed) {
    const path = fileURLToPath(kernelModuleUrl(shared, relaxed));
    try {
      return await WebAssembly.compile(await readFile(path));
    } catch (error) {
      throw new WasmModuleLoadError(path, { cause: error });
    }
  },
  enableRelaxedSimd() {
    if (engineHasRelaxedSimd()) return true;
    // V8 11.3 (Node 20) has relaxed SIMD behind this flag; V8 11.4 and later ship it. The flag is read
    // when a module compiles, so setting it now affects only later compilations, worker threads included.
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    return engineHasRelaxedSimd();
  },
  hardwareConcurrency() {
    return availableParallelism();
  },
  canShareMemory() {
    return typeof SharedArrayBuffer === 'function';
  },
  spawnWorker(source) {
    const worker = new Worker(source, { eval: true });
    const thread: WorkerThread = {
      postMessage: (message) => worker.postMessage(message),
      onMessage: (listener) => worker.on('message', listener),
      onError: (listener) => {
        worker.on('error', listener);
        worker.on('exit', (code) => listener(new Error(`worker exited with code ${code}`)));
      },
      // Call after the last listener is added: adding a 'message' listener refs the worker again.
      unref: () => worker.unref(),
      terminate: () => {
        void worker.terminate();
      },
    };
    return thread;
  },
};
