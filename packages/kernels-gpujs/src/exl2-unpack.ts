import type { Exl2WeightData } from '@minichat/runtime';
import { halfToFloat, halvesToFloats } from './half.js';

/** Codes packed into one f32 texel: three 8-bit codes use 24 bits, and f32 represents every integer up to 2^24 exactly. */
export const CODES_PER_TEXEL = 3;

/**
 * An EXL2 layer unpacked for gpu.js kernels. WebGL has no reliable 32-bit integer arithmetic, so the
 * packed words are decoded here, once, into small integers that f32 textures represent exactly.
 */
export interface UnpackedExl2 {
  /** Stored rows padded to a multiple of {@link CODES_PER_TEXEL}. */
  paddedRows: number;
  /**
   * `[paddedRows / 3, outFeatures]`: texel `(j, n)` is `c0 + 256 * c1 + 65536 * c2`, the codes of stored
   * rows `3j`, `3j + 1` and `3j + 2` of column n. Padding rows have code 0.
   */
  codes: Float32Array;
  /** `[paddedRows]`: the input feature of each stored row (`perm`); 0 for padding rows. */
  inputIndex: Float32Array;
  /** `[paddedRows]`: the zero point `2^(bits - 1)` of each stored row; 0 for padding rows. */
  zeroPoint: Float32Array;
  /** `[paddedRows]`: the group of each stored row. */
  groupIndex: Float32Array;
  /** `[groups, outFeatures]`: `(nibble + 1)^2 * scaleMax / 256`, exact in f32. */
  scales: Float32Array;
  /** `[outFeatures]`: the bias, zero when the layer has none. */
  bias: Float32Array;
}

/**
 * Decodes the packed codes, scale nibbles and fp16 scale maxima of an EXL2 layer. Each column of a group
 * is an LSB-first bit stream down consecutive 32-bit word rows, so a code may straddle two words.
 */
export function unpackExl2(data: Exl2WeightData): UnpackedExl2 {
  const { inFeatures, outFeatures, paddedOutFeatures, qWeight, qScale, qScaleMax, groups, perm } = data;
  const paddedRows = Math.ceil(inFeatures / CODES_PER_TEXEL) * CODES_PER_TEXEL;
  const codes = new Float32Array((paddedRows / CODES_PER_TEXEL) * outFeatures);
  const inputIndex = new Float32Array(paddedRows);
  const zeroPoint = new Float32Array(paddedRows);
  const groupIndex = new Float32Array(paddedRows);
  const scales = new Float32Array(groups.length * outFeatures);
  const scaleWordsPerGroup = paddedOutFeatures / 8;

  for (let g = 0; g < groups.length; g++) {
    const { bits, rows, rowStart, qRowStart } = groups[g]!;
    const mask = (1 << bits) - 1;
    for (let j = 0; j < rows; j++) {
      const k = rowStart + j;
      inputIndex[k] = perm[k]!;
      zeroPoint[k] = 1 << (bits - 1);
      groupIndex[k] = g;
      const bit = j * bits;
      const wordRow = qRowStart + (bit >>> 5);
      const shift = bit & 31;
      const straddles = shift + bits > 32;
      const texelBase = Math.floor(k / CODES_PER_TEXEL) * outFeatures;
      const weight = 256 ** (k % CODES_PER_TEXEL);
      for (let n = 0; n < outFeatures; n++) {
        let value = qWeight[wordRow * paddedOutFeatures + n]! >>> shift;
        if (straddles) value |= qWeight[(wordRow + 1) * paddedOutFeatures + n]! << (32 - shift);
        codes[texelBase + n]! += (value & mask) * weight;
      }
    }

    const scaleMax = halfToFloat(qScaleMax[g]!);
    for (let n = 0; n < outFeatures; n++) {
      const nibble = (qScale[g * scaleWordsPerGroup + (n >>> 3)]! >>> ((n & 7) * 4)) & 15;
      scales[g * outFeatures + n] = ((nibble + 1) * (nibble + 1) * scaleMax) / 256;
    }
  }

  const bias =
    data.bias === undefined
      ? new Float32Array(outFeatures)
      : halvesToFloats(data.bias.subarray(0, outFeatures));
  return { paddedRows, codes, inputIndex, zeroPoint, groupIndex, scales, bias };
}
