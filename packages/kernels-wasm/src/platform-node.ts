import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WasmModuleLoadError } from './errors.js';
import type { Platform, WorkerThread } from './platform.js';

/** Node: read the kernels from dist/ beside this module and use `worker_threads`. */
export const nodePlatform: Platform = {
  async loadModule(shared) {
    const url = shared
      ? new URL('../dist/minichat-kernels-shared.wasm', import.meta.url)
      : new URL('../dist/minichat-kernels.wasm', import.meta.url);
    const path = fileURLToPath(url);
    try {
      return await WebAssembly.compile(await readFile(path));
    } catch (error) {
      throw new WasmModuleLoadError(path, { cause: error });
    }
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
