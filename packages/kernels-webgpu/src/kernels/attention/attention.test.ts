import { describe, expect, test } from 'vitest';
import { activationOf, expectCloseTo, useBackend } from '../../test-utils/backend.js';

const backend = useBackend();

describe('attention kernels', () => {
  for (const dtype of ['f32', 'f16'] as const) {
    test(`causal attention over a ${dtype} cache`, async () => {
      // One head of 2 features. Row 0 (position 0) sees only itself, so its output is v0.
      // Row 1: scores (q1·k0, q1·k1) / sqrt(2) = (1.4142136, 0), weights e^1.4142136 / (e^1.4142136 + 1)
      // = 0.8044297 and 0.1955703, output 0.8044297 * [1, 2] + 0.1955703 * [3, -1] = [1.3911406, 1.4132890].
      const cache = backend().createKvCache({
        numLayers: 2,
        maxSequenceLength: 4,
        numKvHeads: 1,
        headDim: 2,
        dtype,
      });
      const q = activationOf(backend(), 2, [5, 5, 2, 0]);
      const k = activationOf(backend(), 2, [1, 0, 0, 1]);
      const v = activationOf(backend(), 2, [1, 2, 3, -1]);
      const out = backend().createActivation(2, 2);
      backend().attention(
        q,
        k,
        v,
        cache,
        2,
        { layer: 1, startPosition: 0, numHeads: 1, numKvHeads: 1, headDim: 2 },
        out,
      );
      expectCloseTo(await backend().readActivation(out, 0, 2), [1, 2, 1.3911406, 1.413289], 1e-6);
    });
  }

  test('decode step reads earlier positions from the cache', async () => {
    // Two query heads share one key/value head. The first call stores position 0; the second call's
    // key at position 1 is orthogonal to both queries, so each head weighs the positions as above.
    const cache = backend().createKvCache({
      numLayers: 1,
      maxSequenceLength: 300,
      numKvHeads: 1,
      headDim: 2,
      dtype: 'f32',
    });
    const out = backend().createActivation(1, 4);
    const params = { layer: 0, numHeads: 2, numKvHeads: 1, headDim: 2 };
    backend().attention(
      activationOf(backend(), 1, [0, 0, 0, 0]),
      activationOf(backend(), 1, [1, 0]),
      activationOf(backend(), 1, [1, 2]),
      cache,
      1,
      { ...params, startPosition: 0 },
      out,
    );
    backend().attention(
      activationOf(backend(), 1, [2, 0, 0, 0]),
      activationOf(backend(), 1, [0, 1]),
      activationOf(backend(), 1, [3, -1]),
      cache,
      1,
      { ...params, startPosition: 1 },
      out,
    );
    // Head 1 has a zero query, so both positions weigh 0.5: [2, 0.5].
    expectCloseTo(await backend().readActivation(out, 0, 1), [1.3911406, 1.413289, 2, 0.5], 1e-6);
  });

  test('positions past the cache are rejected', () => {
    const cache = backend().createKvCache({
      numLayers: 1,
      maxSequenceLength: 4,
      numKvHeads: 1,
      headDim: 2,
      dtype: 'f32',
    });
    const a = backend().createActivation(2, 2);
    expect(() =>
      backend().attention(
        a,
        a,
        a,
        cache,
        2,
        { layer: 0, startPosition: 3, numHeads: 1, numKvHeads: 1, headDim: 2 },
        a,
      ),
    ).toThrow(/attention params\.startPosition \(3\): expected an integer from 0 to 2/);
  });
});
