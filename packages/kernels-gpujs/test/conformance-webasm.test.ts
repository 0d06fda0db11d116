import { describeBackendConformance } from '@minichat/runtime/conformance';
import { expect, test } from 'vitest';
import { createGpuJsBackend } from '../src/index.js';
import { recordEnginesOnDispose } from './record-engines.js';

// The acceptance test in gpu.js's webasm mode: kernels compiled to WebAssembly, f32 arithmetic.
let engines: string[] = [];
describeBackendConformance('gpujs webasm', () =>
  recordEnginesOnDispose(createGpuJsBackend({ mode: 'webasm' }), (used) => {
    engines = used;
  }),
);

test('every kernel ran in webasm mode', () => {
  expect(engines).toEqual(['webasm']);
});
