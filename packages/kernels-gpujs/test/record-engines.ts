import type { GpuJsBackend } from '../src/index.js';

/**
 * Wraps `dispose()` of a backend so that the engines its kernels ran on are recorded before they are
 * freed. The conformance suite disposes its backend itself, and gpu.js falls back to JavaScript silently.
 */
export function recordEnginesOnDispose(
  backend: GpuJsBackend,
  record: (engines: string[]) => void,
): GpuJsBackend {
  const dispose = backend.dispose.bind(backend);
  Object.defineProperty(backend, 'dispose', {
    value: () => {
      record(backend.kernelEngines());
      dispose();
    },
  });
  return backend;
}
