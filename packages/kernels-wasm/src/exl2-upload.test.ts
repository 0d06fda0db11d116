import type { Exl2WeightData } from '@minichat/runtime';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createWasmBackend, type WasmBackend } from './node.js';

/**
 * Builds the worked example of the EXL2 format notes (exllamav2 0.0.11 layout): K = 64, N = 32, group 0 has
 * 32 rows of 4 bits, group 1 has 32 rows of 3 bits. Only the words the example names are set; a one-hot
 * input selects one weight, so `y[0]` is that weight.
 */
function workedExample(): Exl2WeightData {
  const paddedOutFeatures = 32;
  const qWeight = new Uint32Array(7 * paddedOutFeatures);
  qWeight[0 * paddedOutFeatures] = 0x6837618f; // stored rows 0-7 of group 0, column 0
  qWeight[4 * paddedOutFeatures] = 0xdbd0ccef; // first word row of group 1, column 0
  qWeight[5 * paddedOutFeatures] = 0x00000001; // bit 0 completes stored row 42 (j = 10), which straddles words
  const qScale = new Uint32Array(2 * 4);
  qScale[0] = 0xdceeccec; // group 0, columns 0-7
  qScale[4] = 0xedcdcbdd; // group 1, columns 0-7
  // perm[0] = 44 and perm[33] = 21 as in the example; the rest is the identity with those two swaps.
  const perm = Uint32Array.from({ length: 64 }, (_, k) => k);
  perm[0] = 44;
  perm[44] = 0;
  perm[33] = 21;
  perm[21] = 33;
  return {
    kind: 'exl2',
    name: 'worked example',
    inFeatures: 64,
    outFeatures: 32,
    paddedOutFeatures,
    qWeight,
    qScale,
    // fp16 bits of 0.007965087890625 (2^-7 * 1044/1024) and 0.018585205078125 (2^-6 * 1218/1024).
    qScaleMax: Uint16Array.of(0x2014, 0x24c2),
    groups: [
      { bits: 4, rows: 32, rowStart: 0, qRowStart: 0 },
      { bits: 3, rows: 32, rowStart: 32, qRowStart: 4 },
    ],
    perm,
  };
}

/** Hand-computed weights W[feature, 0] = (code - zero point) * (scale nibble + 1)^2 * q_scale_max / 256. */
const EXPECTED_COLUMN_0 = [
  // stored row 0: nibble 0xF, v = 15 - 8 = 7; scale nibble 0xC, code 13. The example states 0.0368074.
  { feature: 44, value: (7 * 13 * 13 * 0.007965087890625) / 256 },
  // stored row 33: bits 3-5 of 0xEF = 0b101, v = 5 - 4 = 1; nibble 0xD, code 14. The example states 0.0142293.
  { feature: 21, value: (1 * 14 * 14 * 0.018585205078125) / 256 },
  // stored row 42: bits 30-31 of 0xDBD0CCEF = 0b11 plus bit 0 of the next word = 1, code 7, v = 3.
  { feature: 42, value: (3 * 14 * 14 * 0.018585205078125) / 256 },
];

describe.each(
  [1, 2].flatMap((threads) =>
    [true, false].flatMap((exactActivations) =>
      [true, false].map((relaxedSimd) => ({ threads, exactActivations, relaxedSimd })),
    ),
  ),
)('EXL2 matmul, $threads threads, exact $exactActivations, relaxed SIMD $relaxedSimd', (options) => {
  let backend: WasmBackend;
  beforeAll(async () => {
    backend = await createWasmBackend(options);
  });
  afterAll(() => backend.dispose());

  test('matches the worked example', async () => {
    expect(EXPECTED_COLUMN_0[0]!.value).toBeCloseTo(0.0368074, 7);
    expect(EXPECTED_COLUMN_0[1]!.value).toBeCloseTo(0.0142293, 7);
    const weight = backend.uploadLinear(workedExample());
    const x = backend.createActivation(3, 64);
    const y = backend.createActivation(3, 32);
    const input = new Float32Array(3 * 64);
    EXPECTED_COLUMN_0.forEach(({ feature }, row) => {
      input[row * 64 + feature] = 1;
    });
    backend.writeActivation(x, input);
    backend.matmul(x, weight, y, 3);
    const output = await backend.readActivation(y, 0, 3);
    for (const [row, { value }] of EXPECTED_COLUMN_0.entries()) {
      expect(output[row * 32]).toBeCloseTo(value, 6);
    }
  });

  test('pads a short last group with zeros', async () => {
    // 40 rows of 8 bits: one full block and 8 rows of the next, every code 129 (v = 1), every scale
    // nibble 15 (scale code 16), q_scale_max 1.0 (fp16 0x3C00): W = 16^2 / 256 = 1 everywhere.
    const inFeatures = 40;
    const weight = backend.uploadLinear({
      kind: 'exl2',
      name: 'short group',
      inFeatures,
      outFeatures: 5,
      paddedOutFeatures: 32,
      qWeight: new Uint32Array((inFeatures / 4) * 32).fill(0x81818181),
      qScale: new Uint32Array(4).fill(0xffffffff),
      qScaleMax: Uint16Array.of(0x3c00),
      groups: [{ bits: 8, rows: inFeatures, rowStart: 0, qRowStart: 0 }],
      perm: Uint32Array.from({ length: inFeatures }, (_, k) => inFeatures - 1 - k),
    });
    const x = backend.createActivation(1, inFeatures);
    const y = backend.createActivation(1, 5);
    // The value is exact on the activation grid of a block whose maximum is 1 (8-bit with relaxed SIMD,
    // 16-bit without), so every mode gives one sum.
    const small = backend.relaxedSimd ? 64 / 127 : 16384 / 32767;
    backend.writeActivation(
      x,
      Float32Array.from({ length: inFeatures }, (_, i) => (i % 2 === 0 ? 1 : small)),
    );
    backend.matmul(x, weight, y, 1);
    // Every output column is the sum of the inputs: 20 * 1 + 20 * small.
    const output = await backend.readActivation(y, 0, 1);
    for (let column = 0; column < 5; column++) expect(output[column]).toBeCloseTo(20 + 20 * small, 4);
  });
});
