import { describe, expect, it } from 'vitest';
import { floatToHalf } from '../half.js';
import { packColumnCodes, packGroupCodes, readCode, unpackGroupCodes } from './codes.js';
import { dequantizeExl2 } from './dequantize.js';
import type { Exl2Group } from './groups.js';
import { assembleExl2Tensors } from './tensors.js';

const N = 32;
const COLUMN = 3;

// Each case puts one code at local row `index` of column 3 of a one-block group and lists the
// words that block must hold, worked out by hand from the per-width tables of the EXL2 format.
const cases: { bits: number; index: number; code: number; words: number[]; note: string }[] = [
  { bits: 8, index: 2, code: 0xab, words: [0x00ab0000], note: 'value 2 at bits 16-23' },
  { bits: 4, index: 7, code: 0x9, words: [0x90000000], note: 'value 7 at bits 28-31' },
  { bits: 2, index: 15, code: 0b10, words: [0x80000000], note: 'value 15 at bits 30-31' },
  { bits: 6, index: 4, code: 0b111111, words: [0x3f000000, 0, 0], note: 'value 4 at w0 bits 24-29' },
  {
    bits: 6,
    index: 5,
    code: 0b101101,
    words: [0x40000000, 0xb, 0],
    note: 'low 2 bits 01 at w0 30-31, high 1011 at w1 0-3',
  },
  {
    bits: 6,
    index: 10,
    code: 0b110110,
    words: [0, 0x60000000, 0x3],
    note: 'low 4 bits 0110 at w1 28-31, high 11 at w2 0-1',
  },
  { bits: 6, index: 11, code: 0b100001, words: [0, 0, 0x84], note: 'value 11 at w2 bit 2' },
  { bits: 3, index: 9, code: 0b101, words: [0x28000000, 0, 0], note: 'value 9 at w0 bits 27-29' },
  {
    bits: 3,
    index: 10,
    code: 0b110,
    words: [0x80000000, 0x1, 0],
    note: 'low 10 at w0 30-31, high 1 at w1 bit 0',
  },
  {
    bits: 3,
    index: 21,
    code: 0b011,
    words: [0, 0x80000000, 0x1],
    note: 'low 1 at w1 bit 31, high 01 at w2 0-1',
  },
  { bits: 3, index: 22, code: 0b111, words: [0, 0, 0x1c], note: 'value 22 at w2 bits 2-4' },
  {
    bits: 5,
    index: 6,
    code: 0b10111,
    words: [0xc0000000, 0x5, 0, 0, 0],
    note: 'low 11 at w0 30-31, high 101 at w1 0-2',
  },
  {
    bits: 5,
    index: 12,
    code: 0b11001,
    words: [0, 0x90000000, 0x1, 0, 0],
    note: 'low 1001 at w1 28-31, high 1 at w2 bit 0',
  },
  {
    bits: 5,
    index: 19,
    code: 0b01011,
    words: [0, 0, 0x80000000, 0x5, 0],
    note: 'low 1 at w2 bit 31, high 0101 at w3 0-3',
  },
  {
    bits: 5,
    index: 25,
    code: 0b11110,
    words: [0, 0, 0, 0xc0000000, 0x3],
    note: 'low 110 at w3 29-31, high 11 at w4 0-1',
  },
  { bits: 5, index: 26, code: 0b10001, words: [0, 0, 0, 0, 0x44], note: 'value 26 at w4 bits 2-6' },
];

describe('EXL2 code packing', () => {
  for (const { bits, index, code, words, note } of cases) {
    it(`places ${bits}-bit value ${index} (${note})`, () => {
      const group: Exl2Group = { bits, rows: (words.length * 32) / bits, rowStart: 0, qRowStart: 0 };
      const codes = new Uint8Array(group.rows * N);
      codes[index * N + COLUMN] = code;
      const qWeight = new Uint32Array(words.length * N);
      packGroupCodes(codes, qWeight, N, group);
      expect(Array.from(words, (_, w) => qWeight[w * N + COLUMN])).toEqual(words);
      expect(readCode(qWeight, N, group, index, COLUMN)).toBe(code);
      expect(unpackGroupCodes(qWeight, N, group)).toEqual(codes);

      const columnWise = new Uint32Array(words.length * N);
      const column = Uint8Array.from({ length: group.rows }, (_, j) => codes[j * N + COLUMN]!);
      packColumnCodes(column, columnWise, N, [group], COLUMN);
      expect(Array.from(words, (_, w) => columnWise[w * N + COLUMN])).toEqual(words);
    });
  }

  it('decodes a subnormal fp16 scale as exllamav2 does', () => {
    // q_scale_max = 2^-12 · (1 + 2^-10); divided by 256 it is 16.015625 · 2^-24, which fp16
    // rounds to the subnormal 16 · 2^-24 = 2^-20. Scale code 16 gives 256 · 2^-20 = 2^-12 in fp16,
    // while the exact scale is 2^-12 · (1 + 2^-10).
    const scaleMax = 2 ** -12 * (1 + 2 ** -10);
    const qWeight = new Uint32Array(N).fill(0x99999999); // eight 4-bit codes of 9: v = 1
    const t = assembleExl2Tensors('subnormal', {
      qWeight: { data: qWeight, shape: [1, N] },
      qScale: { data: new Uint32Array(4).fill(0xffffffff), shape: [1, 4] },
      qScaleMax: { data: Uint16Array.of(floatToHalf(scaleMax)), shape: [1] },
      qGroups: { data: Uint16Array.of(4, 0), shape: [2] },
      qInvperm: { data: Uint32Array.from({ length: 8 }, (_, i) => i), shape: [8] },
    });
    expect(dequantizeExl2(t, 'fp16')[0]).toBe(2 ** -12);
    expect(dequantizeExl2(t, 'fp32')[0]).toBe(Math.fround(scaleMax));
  });
});
