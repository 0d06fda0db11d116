import { WasmModuleLoadError } from './errors.js';
import type { Platform, WorkerThread } from './platform.js';
import { engineHasRelaxedSimd } from './relaxed-simd.js';

/**
 * Kernel files by [shared][relaxed], spelled out per file so bundlers see `new URL(literal,
 * import.meta.url)` and copy the asset. From src/ and from dist/ alike, ../dist/ is the package's dist
 * folder.
 */
function moduleUrl(shared: boolean, relaxed: boolean): URL {
  if (shared) {
    return relaxed
      ? new URL('../dist/minichat-kernels-shared-relaxed.wasm', import.meta.url)
      : new URL('../dist/minichat-kernels-shared.wasm', import.meta.url);
  }
  return relaxed
    ? new URL('../dist/minichat-kernels-relaxed.wasm', import.meta.url)
    : new URL('../dist/minichat-kernels.wasm', import.meta.url);
}

/** Browser and worker environments: fetch the kernels beside this module and use Web Workers. */
export const browserPlatform: Platform = {
  async loadModule(shared, relaxed) {
    const url = moduleUrl(shared, relaxed);
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
