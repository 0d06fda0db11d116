import { halfToFloat } from '../half.js';
import type { Exl2WeightData } from '../interface.js';

/**
 * Decodes every group's per-column scale once, `[G, outFeatures]`:
 * `scale = (nibble + 1)^2 * q_scale_max / 256`, computed exactly in f64 and stored as f32.
 */
export function decodeExl2Scales(weight: Exl2WeightData): Float32Array {
  const { outFeatures, paddedOutFeatures, qScale, qScaleMax, groups } = weight;
  const wordsPerGroup = paddedOutFeatures / 8;
  const scales = new Float32Array(groups.length * outFeatures);
  for (let g = 0; g < groups.length; g++) {
    const scaleMax = halfToFloat(qScaleMax[g]!);
    for (let n = 0; n < outFeatures; n++) {
      const nibble = (qScale[g * wordsPerGroup + (n >>> 3)]! >>> ((n & 7) * 4)) & 15;
      scales[g * outFeatures + n] = ((nibble + 1) * (nibble + 1) * scaleMax) / 256;
    }
  }
  return scales;
}

/** Packed EXL2 weights as the CPU kernel reads them. */
export interface Exl2Packed {
  inFeatures: number;
  outFeatures: number;
  paddedOutFeatures: number;
  qWeight: Uint32Array;
  groups: readonly { bits: number; rows: number; rowStart: number; qRowStart: number }[];
  perm: Uint32Array;
  scales: Float32Array;
  bias: Float32Array | undefined;
}

/**
 * Computes `out[r] = x[r] @ W` for `rows` rows straight from the packed codes (fused dequantization, never
 * materializing W). Per group and column, the integer codes are dotted with the permuted inputs first and
 * the group's scale is applied once to that partial sum.
 *
 * `x` is `[rows, xStride]` with the first `inFeatures` columns used; `out` is `[rows, outStride]`.
 */
export function exl2Matmul(
  weight: Exl2Packed,
  x: Float32Array,
  xStride: number,
  out: Float32Array,
  outStride: number,
  rows: number,
): void {
  const { inFeatures, outFeatures, paddedOutFeatures, qWeight, groups, perm, scales, bias } = weight;

  // xPermuted[r][k] = x[r][perm[k]]: the input feature held by stored row k.
  const xPermuted = new Float32Array(rows * inFeatures);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < inFeatures; k++)
      xPermuted[r * inFeatures + k] = x[r * xStride + (perm[k] as number)]!;
  }

  const total = new Float64Array(rows * outFeatures);
  const groupSum = new Float64Array(rows * outFeatures);
  const codes = new Int32Array(32);

  for (let g = 0; g < groups.length; g++) {
    const { bits, rows: groupRows, rowStart, qRowStart } = groups[g]!;
    const mask = (1 << bits) - 1;
    const zeroPoint = 1 << (bits - 1);
    // A block is the smallest run of whole words holding whole codes: lcm(bits, 32) bits.
    const wordsPerBlock = bits === 3 || bits === 6 ? 3 : bits === 5 ? 5 : 1;
    const codesPerBlock = (wordsPerBlock * 32) / bits;
    groupSum.fill(0);

    for (let j0 = 0; j0 < groupRows; j0 += codesPerBlock) {
      const count = Math.min(codesPerBlock, groupRows - j0);
      const blockWordRow = qRowStart + (j0 / codesPerBlock) * wordsPerBlock;

      for (let n = 0; n < outFeatures; n++) {
        // Each column is an LSB-first bit stream running down consecutive word rows.
        let wordIndex = blockWordRow * paddedOutFeatures + n;
        let buffer = 0;
        let available = 0;
        for (let i = 0; i < count; i++) {
          let code: number;
          if (available >= bits) {
            code = buffer & mask;
            buffer >>>= bits;
            available -= bits;
          } else {
            const word = qWeight[wordIndex]!;
            wordIndex += paddedOutFeatures;
            code = (buffer | (word << available)) & mask;
            buffer = word >>> (bits - available);
            available += 32 - bits;
          }
          codes[i] = code - zeroPoint;
        }

        for (let r = 0; r < rows; r++) {
          const xBase = r * inFeatures + rowStart + j0;
          let dot = 0;
          for (let i = 0; i < count; i++) dot += xPermuted[xBase + i]! * codes[i]!;
          groupSum[r * outFeatures + n]! += dot;
        }
      }
    }

    const scaleBase = g * outFeatures;
    for (let r = 0; r < rows; r++) {
      for (let n = 0; n < outFeatures; n++) {
        total[r * outFeatures + n]! += groupSum[r * outFeatures + n]! * scales[scaleBase + n]!;
      }
    }
  }

  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < outFeatures; n++) {
      out[r * outStride + n] = total[r * outFeatures + n]! + (bias === undefined ? 0 : bias[n]!);
    }
  }
}
