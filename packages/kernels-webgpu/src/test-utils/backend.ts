import { afterAll, beforeAll } from 'vitest';
import type { WebGpuBackend } from '../backend/webgpu-backend.js';
import { createNodeWebGpuBackend, type NodeWebGpuBackendOptions } from '../node.js';

/** Creates a Dawn backend before the tests of a file and disposes it after them; returns a getter. */
export function useBackend(options: NodeWebGpuBackendOptions = {}): () => WebGpuBackend {
  let backend: WebGpuBackend | undefined;
  beforeAll(async () => {
    backend = await createNodeWebGpuBackend(options);
  });
  afterAll(() => backend?.dispose());
  return () => {
    if (backend === undefined)
      throw new Error('The test backend was not created: its beforeAll hook failed.');
    return backend;
  };
}

/** Writes `data` into a new activation of `rows` rows. */
export function activationOf(backend: WebGpuBackend, rows: number, data: ArrayLike<number>) {
  const activation = backend.createActivation(rows, data.length / rows);
  backend.writeActivation(activation, Float32Array.from(data));
  return activation;
}

/** Asserts element-wise closeness with a message that names the index. */
export function expectCloseTo(actual: Float32Array, expected: ArrayLike<number>, tolerance = 1e-6): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} differs from the expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!);
    if (!(error <= tolerance * Math.max(1, Math.abs(expected[i]!)))) {
      throw new Error(`element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}
