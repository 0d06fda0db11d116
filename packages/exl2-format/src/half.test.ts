import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from './half.js';

describe('fp16 conversion', () => {
  it('decodes hand-computed bit patterns', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('rounds normals to nearest even', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 is halfway between mantissa 1 and 2: ties go to 2.
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(-0)).toBe(0x8000);
  });

  it('rounds subnormals to nearest even', () => {
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000);
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002);
    expect(floatToHalf(2 ** -25 + 2 ** -30)).toBe(0x0001);
    expect(floatToHalf(16.015625 * 2 ** -24)).toBe(0x0010);
    expect(floatToHalf(1023.5 * 2 ** -24)).toBe(0x0400);
  });

  it('round-trips every finite fp16 value', () => {
    for (let bits = 0; bits < 0x7c00; bits++) {
      expect(floatToHalf(halfToFloat(bits))).toBe(bits);
      expect(floatToHalf(halfToFloat(bits | 0x8000))).toBe(bits | 0x8000);
    }
  });

  it('converts bfloat16', () => {
    expect(bfloat16ToFloat(0x3f80)).toBe(1);
    expect(floatToBfloat16(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });
});
