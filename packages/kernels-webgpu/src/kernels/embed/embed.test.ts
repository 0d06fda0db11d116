import { describe, expect, test } from 'vitest';
import { expectCloseTo, useBackend } from '../../test-utils/backend.js';

const backend = useBackend();
// A binding limit of 256 bytes splits a table of 3-value f32 rows into parts of 21 rows.
const smallBindings = useBackend({ maxStorageBufferBindingSize: 256 });

// fp16 bit patterns: 0x3c00 = 1, 0xc000 = -2, 0x3800 = 0.5, 0x0001 = 2^-24 (the smallest subnormal).
const HALF_TABLE = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x0001, 0x0000, 0x3c00]);

describe('embed kernel', () => {
  test('gathers f16 rows of odd width', async () => {
    const table = backend().uploadEmbedding({ vocabSize: 2, dim: 3, dtype: 'f16', data: HALF_TABLE });
    const out = backend().createActivation(3, 3);
    backend().embed(table, Int32Array.from([1, 0, 1]), out);
    expectCloseTo(await backend().readActivation(out, 0, 3), [2 ** -24, 0, 1, 1, -2, 0.5, 2 ** -24, 0, 1], 0);
  });

  test('gathers from a table split over several buffers', async () => {
    const vocabSize = 100;
    const data = Float32Array.from({ length: vocabSize * 3 }, (_, i) => i);
    const table = smallBindings().uploadEmbedding({ vocabSize, dim: 3, dtype: 'f32', data });
    const out = smallBindings().createActivation(4, 3);
    smallBindings().embed(table, Int32Array.from([99, 0, 21, 20]), out);
    const expected = [297, 298, 299, 0, 1, 2, 63, 64, 65, 60, 61, 62];
    expectCloseTo(await smallBindings().readActivation(out, 0, 4), expected, 0);
  });

  test('more tokens than one parameter block holds', async () => {
    // 1500 tokens exceed the 1022 (output row, table row) pairs of an 8 KiB parameter block.
    const data = Float32Array.from({ length: 7 * 2 }, (_, i) => i);
    const table = backend().uploadEmbedding({ vocabSize: 7, dim: 2, dtype: 'f32', data });
    const tokens = Int32Array.from({ length: 1500 }, (_, i) => i % 7);
    const out = backend().createActivation(1500, 2);
    backend().embed(table, tokens, out);
    const result = await backend().readActivation(out, 0, 1500);
    expectCloseTo(
      result,
      Array.from({ length: 3000 }, (_, i) => 2 * ((i >> 1) % 7) + (i & 1)),
      0,
    );
  });

  test('token ids outside the vocabulary are rejected', () => {
    const table = backend().uploadEmbedding({ vocabSize: 2, dim: 3, dtype: 'f16', data: HALF_TABLE });
    const out = backend().createActivation(1, 3);
    expect(() => backend().embed(table, Int32Array.from([2]), out)).toThrow(
      /embed token \(2\): expected an integer from 0 to 1/,
    );
  });
});
