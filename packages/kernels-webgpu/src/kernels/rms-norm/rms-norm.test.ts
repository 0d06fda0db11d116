import { describe, test } from 'vitest';
import { activationOf, expectCloseTo, useBackend } from '../../test-utils/backend.js';

const backend = useBackend();

// x = [3, 4]: mean of squares 12.5, so x / sqrt(12.5 + 1e-5) = [0.8485278, 1.1313704]; weight [1, 2].
const EXPECTED = [0.8485278, 2.2627408];

describe('rms-norm kernel', () => {
  test('normalises into another activation', async () => {
    const x = activationOf(backend(), 2, [3, 4, 1, 1]);
    const out = backend().createActivation(2, 2);
    backend().rmsNorm(x, backend().uploadVector(Float32Array.from([1, 2])), 1e-5, out, 2);
    // Row 2: mean of squares 1, so [1, 1] / sqrt(1 + 1e-5) * [1, 2].
    expectCloseTo(await backend().readActivation(out, 0, 2), [...EXPECTED, 0.999995, 1.99999], 1e-6);
  });

  test('normalises in place', async () => {
    const x = activationOf(backend(), 1, [3, 4]);
    backend().rmsNorm(x, backend().uploadVector(Float32Array.from([1, 2])), 1e-5, x, 1);
    expectCloseTo(await backend().readActivation(x, 0, 1), EXPECTED, 1e-6);
  });

  test('a row wider than the workgroup', async () => {
    const cols = 1000;
    const x = activationOf(
      backend(),
      1,
      Array.from({ length: cols }, (_, i) => (i % 2 === 0 ? 2 : -2)),
    );
    const out = backend().createActivation(1, cols);
    backend().rmsNorm(x, backend().uploadVector(new Float32Array(cols).fill(1)), 1e-6, out, 1);
    // Every |x| is 2, so the RMS is 2 and the result is ±1 (eps shifts it by 1.25e-7).
    const result = await backend().readActivation(out, 0, 1);
    expectCloseTo(
      result,
      Array.from({ length: cols }, (_, i) => (i % 2 === 0 ? 1 : -1)),
      1e-6,
    );
  });
});
