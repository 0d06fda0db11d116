import { WasmModuleLoadError } from './errors.js';
import { kernelModuleUrl } from './kernel-files.js';
import type { Platform, WorkerThread } from './platform.js';
import { engineHasRelaxedSimd } from './relaxed-simd.js';

/** Browser and worker environments: fetch the kernels beside this module and use Web Workers. */
export const browserPlatform: Platform = {
  async loadModule(shared, relaxed) {
    const url = kernelModuleUrl(shared, relaxed);
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await WebAssembly.compile(await response.arrayBuffer());
    } catch (error) {
      throw new WasmModuleLoadError(url.href, { cause: error });
    }
  },
  enableRelaxedSimd() {
    return engineHasRelaxedSimd();
  },
  hardwareConcurrency() {
    return typeof navigator === 'undefined' ? 1 : Math.max(1, navigator.hardwareConcurrency || 1);
  },
  canShareMemory() {
    return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
  },
  spawnWorker(source) {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    const thread: WorkerThread = {
      postMessage: (message) => worker.postMessage(message),
      onMessage: (listener) => worker.addEventListener('message', (event) => listener(event.data)),
      onError: (listener) =>
        worker.addEventListener('error', (event) => listener(event.error ?? event.message)),
      terminate: () => worker.terminate(),
      unref: () => {},
    };
    return thread;
  },
};
