import { describe, expect, test } from 'vitest';
import { activationOf, expectCloseTo, useBackend } from '../../test-utils/backend.js';
import { transposeF16 } from './transpose.js';

const backend = useBackend();
// 24 bytes per binding: f32 weights of K = 2 split into parts of two output features.
const smallBindings = useBackend({ maxStorageBufferBindingSize: 24 });

// W in PyTorch orientation [out = 3, in = 2]; x = [[1, 2], [-1, 0.5]].
const WEIGHT = [1, 2, 0.5, -1, -2, 0.25];
const X = [1, 2, -1, 0.5];
// y[m, n] = Σ_k x[m, k] W[n, k].
const EXPECTED = [5, -1.5, -1.5, 0, -1, 2.125];
// fp16 bit patterns of WEIGHT.
const WEIGHT_HALVES = Uint16Array.from([0x3c00, 0x4000, 0x3800, 0xbc00, 0xc000, 0x3400]);

describe('dense-matmul kernel', () => {
  test('f32 weights', async () => {
    const linear = backend().uploadLinear({
      kind: 'dense',
      name: 'f32',
      inFeatures: 2,
      outFeatures: 3,
      dtype: 'f32',
      data: Float32Array.from(WEIGHT),
    });
    const out = backend().createActivation(2, 3);
    backend().matmul(activationOf(backend(), 2, X), linear, out, 2);
    expectCloseTo(await backend().readActivation(out, 0, 2), EXPECTED, 0);
  });

  test('f16 weights with an odd number of outputs', async () => {
    const linear = backend().uploadLinear({
      kind: 'dense',
      name: 'f16',
      inFeatures: 2,
      outFeatures: 3,
      dtype: 'f16',
      data: WEIGHT_HALVES,
    });
    const out = backend().createActivation(2, 3);
    backend().matmul(activationOf(backend(), 2, X), linear, out, 1);
    expectCloseTo((await backend().readActivation(out, 0, 1)).subarray(0, 3), EXPECTED.slice(0, 3), 0);
  });

  test('weights split over parts', async () => {
    const linear = smallBindings().uploadLinear({
      kind: 'dense',
      name: 'split',
      inFeatures: 2,
      outFeatures: 3,
      dtype: 'f32',
      data: Float32Array.from(WEIGHT),
    });
    const out = smallBindings().createActivation(2, 3);
    smallBindings().matmul(activationOf(smallBindings(), 2, X), linear, out, 2);
    expectCloseTo(await smallBindings().readActivation(out, 0, 2), EXPECTED, 0);
  });

  test('transposition pairs adjacent outputs in one word', () => {
    // Output features 0 and 1 of input feature 1 share word (1, 0): 2 (0x4000) low, -1 (0xbc00) high.
    const words = transposeF16(WEIGHT_HALVES, 2, 0, 3);
    expect([...words].map((word) => word.toString(16))).toEqual(['38003c00', 'c000', 'bc004000', '3400']);
  });

  test('wrong data length is rejected', () => {
    expect(() =>
      backend().uploadLinear({
        kind: 'dense',
        name: 'short',
        inFeatures: 2,
        outFeatures: 3,
        dtype: 'f32',
        data: new Float32Array(5),
      }),
    ).toThrow(/uploadLinear short data\.length \(5\): expected 6/);
  });
});
