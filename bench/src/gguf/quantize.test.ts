import { describe, expect, it } from 'vitest';
import { GgufWriteError } from '../errors.js';
import { dequantizeQ4_0, dequantizeQ8_0, quantizeQ4_0, quantizeQ8_0 } from './quantize.js';

describe('quantizeQ4_0', () => {
  it('matches a hand-computed block', () => {
    // The largest magnitude is -0.8, so d = -0.8 / -8 = 0.1 and codes are floor(x / 0.1 + 8.5), at most 15.
    const values = new Float32Array(32);
    values[0] = -0.8; // floor(-8 + 8.5) = 0
    values[1] = 0.8; // floor(8 + 8.5) = 16, clamped to 15
    values[2] = 0.31; // floor(3.1 + 8.5) = 11
    values[16] = -0.26; // floor(-2.6 + 8.5) = 5
    values[17] = 0.04; // floor(0.4 + 8.5) = 8
    const block = quantizeQ4_0(values);
    expect(block.length).toBe(18);
    // fp16 of 0.1 is 0x2E66, little-endian.
    expect(block[0]).toBe(0x66);
    expect(block[1]).toBe(0x2e);
    // Byte j: value j in the low nibble, value j + 16 in the high nibble; zeros map to code 8.
    expect(block[2]).toBe(0x50); // codes 0 and 5
    expect(block[3]).toBe(0x8f); // codes 15 and 8
    expect(block[4]).toBe(0x8b); // codes 11 and 8
    expect(block[5]).toBe(0x88);
  });

  it('stores an all-zero block as scale -0 and code 8', () => {
    // d = 0 / -8 is negative zero in IEEE arithmetic (as in ggml's C code): fp16 bits 0x8000.
    const block = quantizeQ4_0(new Float32Array(32));
    expect(block[0]).toBe(0x00);
    expect(block[1]).toBe(0x80);
    expect([...block.subarray(2)]).toEqual(new Array(16).fill(0x88));
  });

  it('round-trips within one step', () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * 0.05);
    const back = dequantizeQ4_0(quantizeQ4_0(values, 32));
    for (let i = 0; i < values.length; i++)
      expect(Math.abs(back[i]! - values[i]!)).toBeLessThan(0.05 / 8 + 1e-4);
  });

  it('rejects rows that are not whole blocks', () => {
    expect(() => quantizeQ4_0(new Float32Array(48), 48)).toThrow(GgufWriteError);
    expect(() => quantizeQ4_0(new Float32Array(48), 48)).toThrow(/multiple of 32/);
  });
});

describe('quantizeQ8_0', () => {
  it('rounds halves away from zero like roundf', () => {
    // max |x| = 127 / 128, so d = 1/128 exactly and codes are x * 128.
    const step = 1 / 128;
    const values = new Float32Array(32);
    values[0] = 127 * step;
    values[1] = 2.5 * step; // roundf(2.5) = 3 (ties-to-even would give 2)
    values[2] = -2.5 * step; // roundf(-2.5) = -3
    values[3] = 1.25 * step; // 1
    values[4] = -127 * step;
    const block = quantizeQ8_0(values);
    expect(block.length).toBe(34);
    // fp16 of 2^-7 is 0x2000.
    expect(block[0]).toBe(0x00);
    expect(block[1]).toBe(0x20);
    const codes = new Int8Array(block.buffer, 2, 32);
    expect(codes[0]).toBe(127);
    expect(codes[1]).toBe(3);
    expect(codes[2]).toBe(-3);
    expect(codes[3]).toBe(1);
    expect(codes[4]).toBe(-127);
    expect(codes[5]).toBe(0);
  });

  it('round-trips within half a step', () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.9) * 0.02);
    const back = dequantizeQ8_0(quantizeQ8_0(values, 64));
    for (let i = 0; i < values.length; i++) expect(Math.abs(back[i]! - values[i]!)).toBeLessThan(0.02 / 127);
  });
});
