// The browser test page: exposes the gpu.js backend to the test, which passes encoded op cases in and
// compares the outputs with the CPU reference backend in Node.
import { availableGpuJsModes, createGpuJsBackend, type GpuJsMode } from '../../src/index.js';
import { decodeCase, type OpCase, runCase } from './cases.js';

/** API of the page, set as `window.minichatGpuJs`. */
export interface PageApi {
  /** Modes gpu.js can run in this browser. */
  availableModes(): string[];
  /** Runs encoded cases on a fresh backend in `mode` and returns each output as a plain array. */
  run(
    mode: GpuJsMode,
    encodedCases: unknown[],
  ): Promise<{ mode: string; engines: string[]; outputs: (number[] | number)[] }>;
}

const api: PageApi = {
  availableModes: () => availableGpuJsModes(),
  async run(mode, encodedCases) {
    const backend = createGpuJsBackend({ mode });
    try {
      const outputs: (number[] | number)[] = [];
      for (const encoded of encodedCases) {
        const output = await runCase(backend, decodeCase(encoded) as OpCase);
        outputs.push(typeof output === 'number' ? output : Array.from(output));
      }
      return { mode: backend.mode, engines: backend.kernelEngines(), outputs };
    } finally {
      backend.dispose();
    }
  },
};

(globalThis as { minichatGpuJs?: PageApi }).minichatGpuJs = api;
