import { describeBackendConformance } from '@minichat/runtime/conformance';
import { describe, expect, test } from 'vitest';
import { availableGpuJsModes, createGpuJsBackend } from '../src/index.js';
import { checkHeadlessGl } from '../src/node.js';
import { recordEnginesOnDispose } from './record-engines.js';

// The acceptance test in headless-gl mode: gpu.js's WebGL 1 kernels on the system's OpenGL driver. It
// needs the optional `gl` package built from source and an X display, so the package's test script runs
// vitest under `xvfb-run -a`. CI must run it; elsewhere it is skipped when the mode is unavailable.
const available = availableGpuJsModes().includes('headlessgl');

if (available || process.env.CI !== undefined) {
  let engines: string[] = [];
  describeBackendConformance('gpujs headlessgl', () =>
    recordEnginesOnDispose(createGpuJsBackend({ mode: 'headlessgl' }), (used) => {
      engines = used;
    }),
  );
  test('every kernel ran in headlessgl mode', () => {
    expect(engines).toEqual(['headlessgl']);
  });
} else {
  const { loaded, error } = checkHeadlessGl();
  const reason = loaded
    ? 'gl loads but no display: run under xvfb-run -a'
    : `gl does not load: ${error?.message}`;
  describe('gpujs headlessgl backend conformance', () => {
    test.skip(`skipped, headlessgl unavailable (${reason.split('\n')[0]})`, () => {});
  });
}
