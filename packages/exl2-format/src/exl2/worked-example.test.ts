import { describe, expect, it } from 'vitest';
import { floatToHalf } from '../half.js';
import { readCode } from './codes.js';
import { dequantizeExl2, exl2MatVec } from './dequantize.js';
import { assembleExl2Tensors } from './tensors.js';

// The two-group layer of the EXL2 format reference's worked example: K = 64, N = 32,
// group 0 = 32 rows at 4 bits (q_weight rows 0-3), group 1 = 32 rows at 3 bits (rows 4-6).
function buildExample() {
  const K = 64;
  const N = 32;
  const qWeight = new Uint32Array(7 * N);
  for (let i = 0; i < qWeight.length; i++) qWeight[i] = (Math.imul(i + 1, 2654435761) >>> 0) ^ 0x5a5a5a5a;
  qWeight[0 * N + 0] = 0x6837618f;
  qWeight[4 * N + 0] = 0xdbd0ccef;
  // Bit 0 of q_weight[5, 0] is the high bit of stored row 42's 3-bit code; set it to 1.
  qWeight[5 * N + 0] = (qWeight[5 * N + 0]! | 1) >>> 0;
  const qScale = new Uint32Array(2 * 4);
  qScale[0] = 0xdceeccec;
  qScale[4] = 0xedcdcbdd;
  const qScaleMax = Uint16Array.from([floatToHalf(0.007965087890625), floatToHalf(0.018585205078125)]);

  // q_invperm[i] = stored row of input feature i. The example fixes entries 0-3 and the rows of
  // features 44 (stored row 0) and 21 (stored row 33); the rest are filled in order.
  const qInvperm = new Uint32Array(K).fill(0xffffffff);
  const fixed: [number, number][] = [
    [0, 1],
    [1, 30],
    [2, 3],
    [3, 5],
    [44, 0],
    [21, 33],
  ];
  for (const [feature, row] of fixed) qInvperm[feature] = row;
  const used = new Set(fixed.map(([, row]) => row));
  let next = 0;
  for (let i = 0; i < K; i++) {
    if (qInvperm[i] !== 0xffffffff) continue;
    while (used.has(next)) next++;
    qInvperm[i] = next++;
  }
  return assembleExl2Tensors('example', {
    qWeight: { data: qWeight, shape: [7, N] },
    qScale: { data: qScale, shape: [2, 4] },
    qScaleMax: { data: qScaleMax, shape: [2] },
    qGroups: { data: Uint16Array.from([4, 0, 3, 4]), shape: [4] },
    qInvperm: { data: qInvperm, shape: [K] },
  });
}

describe('EXL2 worked example', () => {
  const t = buildExample();

  it('derives groups and the permutation', () => {
    expect(t.groups).toEqual([
      { bits: 4, rows: 32, rowStart: 0, qRowStart: 0 },
      { bits: 3, rows: 32, rowStart: 32, qRowStart: 4 },
    ]);
    expect([...t.perm.subarray(0, 2)]).toEqual([44, 0]);
    expect(t.perm[33]).toBe(21);
  });

  it('reads the 4-bit codes of stored rows 0-7', () => {
    const codes = Array.from({ length: 8 }, (_, j) => readCode(t.qWeight, 32, t.groups[0]!, j, 0));
    expect(codes).toEqual([15, 8, 1, 6, 7, 3, 8, 6]);
  });

  it('reads 3-bit codes including a straddling one', () => {
    expect(readCode(t.qWeight, 32, t.groups[1]!, 1, 0)).toBe(5);
    // Stored row 42: bits 30-31 of 0xDBD0CCEF are 0b11, plus bit 0 of the next word (1) on top.
    expect(readCode(t.qWeight, 32, t.groups[1]!, 10, 0)).toBe(0b111);
  });

  it('decodes W[44, 0] and W[21, 0] exactly in fp32', () => {
    const w = dequantizeExl2(t, 'fp32');
    // v = 15 - 8 = 7, scale code 13: 7 · 13² · 0.007965087890625 / 256.
    expect(w[44 * 32]).toBe(Math.fround((7 * 169 * 0.007965087890625) / 256));
    expect(w[44 * 32]).toBeCloseTo(0.0368074, 7);
    // v = 5 - 4 = 1, scale code 14: 14² · 0.018585205078125 / 256.
    expect(w[21 * 32]).toBe(Math.fround((196 * 0.018585205078125) / 256));
    expect(w[21 * 32]).toBeCloseTo(0.0142293, 7);
    // Stored row 42: code 7, v = 3.
    expect(w[t.perm[42]! * 32]).toBe(Math.fround((3 * 196 * 0.018585205078125) / 256));
  });

  it('decodes both weights in exllamav2 fp16 arithmetic', () => {
    const w = dequantizeExl2(t, 'fp16');
    // m = 0.007965087890625 / 256 = 522 · 2^-24 (an fp16 subnormal, exact).
    // 169 · 522 = 88218 units; fp16 keeps multiples of 64 there, so scale = 88192 · 2^-24.
    // 7 · 88192 = 617344 units; fp16 keeps multiples of 512, 1205.75 · 512 rounds to 617472.
    expect(w[44 * 32]).toBe(617472 * 2 ** -24);
    expect(w[44 * 32]).toBeCloseTo(0.0368042, 7);
    // m = 0.018585205078125 / 256 = 1.189453125 · 2^-14 (normal, exact). 196 · m = 233.1328125 · 2^-14,
    // and fp16 keeps steps of 2^-3 at 233 (2^7 with 10 mantissa bits), so the scale is 233.125 · 2^-14.
    expect(w[21 * 32]).toBe(233.125 * 2 ** -14);
  });

  it('matches the decoded matrix in the fused product', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i + 1));
    const w = dequantizeExl2(t, 'fp32');
    const y = exl2MatVec(t, x);
    for (let n = 0; n < 32; n++) {
      let expected = 0;
      for (let i = 0; i < 64; i++) expected += x[i]! * w[i * 32 + n]!;
      expect(y[n]).toBeCloseTo(expected, 5);
    }
  });
});
