import { describeBackendConformance } from '@minichat/runtime/conformance';
import { expect, test } from 'vitest';
import { createGpuJsBackend } from '../src/index.js';
import { recordEnginesOnDispose } from './record-engines.js';

// The acceptance test in gpu.js's cpu mode: kernels compiled to plain JavaScript, f32 arithmetic.
let engines: string[] = [];
describeBackendConformance('gpujs cpu', () =>
  recordEnginesOnDispose(createGpuJsBackend({ mode: 'cpu' }), (used) => {
    engines = used;
  }),
);

test('every kernel ran in cpu mode', () => {
  expect(engines).toEqual(['cpu']);
});
