import { halfToFloat } from '../half.js';

/** Packed EXL2 weights as the CPU kernel reads them: the file layout, unchanged. */
export interface Exl2Packed {
  inFeatures: number;
  outFeatures: number;
  paddedOutFeatures: number;
  /** `[QR, Np]` codes: each column of a group is an LSB-first bit stream down consecutive word rows. */
  qWeight: Uint32Array;
  /** `[G, Np / 8]` scale nibbles holding `code - 1`. */
  qScale: Uint32Array;
  /** fp16 bits of each group's scale maximum. */
  qScaleMax: Uint16Array;
  groups: readonly { bits: number; rows: number; rowStart: number; qRowStart: number }[];
  /** `perm[k]` is the input feature of stored row k. */
  perm: Uint32Array;
  /** f32 bias of the first `outFeatures` columns, when the layer has one. */
  bias: Float32Array | undefined;
}

/** Shared arguments of the per-width accumulation loops. */
interface GroupPass {
  qWeight: Uint32Array;
  paddedOutFeatures: number;
  outFeatures: number;
  /** Permuted inputs `[rows, inFeatures]`. */
  x: Float64Array;
  inFeatures: number;
  rows: number;
  /** Sums of `x * code` per row and column, `[rows, outFeatures]`. */
  sums: Float64Array;
}

/**
 * Computes `out[r] = x[r] @ W` for `rows` rows straight from the packed codes (fused dequantization; W is
 * never materialized). For each group, the raw integer codes are dotted with the permuted inputs. The zero
 * point and the per-column scale are then applied once per group and column, because
 * `sum_j x_j * (c_j - z) * s = s * (sum_j x_j * c_j - z * sum_j x_j)`.
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
  const { inFeatures, outFeatures, paddedOutFeatures, qWeight, qScale, qScaleMax, groups, perm, bias } =
    weight;

  // permuted[r][k] = x[r][perm[k]], the input feature held by stored row k.
  const permuted = new Float64Array(rows * inFeatures);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < inFeatures; k++) permuted[r * inFeatures + k] = x[r * xStride + (perm[k] as number)]!;
  }

  const total = new Float64Array(rows * outFeatures);
  const pass: GroupPass = {
    qWeight,
    paddedOutFeatures,
    outFeatures,
    x: permuted,
    inFeatures,
    rows,
    sums: new Float64Array(rows * outFeatures),
  };
  const scaleOfNibble = new Float64Array(16);
  const scaleWordsPerGroup = paddedOutFeatures / 8;

  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const { bits, rowStart, qRowStart } = group;
    pass.sums.fill(0);

    // Whole words go through a loop unrolled for the width. A partial last word goes through the
    // bit-stream loop; only the final group of a layer whose input size is not word-aligned has one.
    let doneRows = 0;
    let doneWordRows = 0;
    if (bits === 4 || bits === 8 || bits === 2) {
      doneWordRows = Math.floor((group.rows * bits) / 32);
      doneRows = (doneWordRows * 32) / bits;
      if (bits === 4) accumulate4Bit(pass, qRowStart, doneWordRows, rowStart);
      else if (bits === 8) accumulate8Bit(pass, qRowStart, doneWordRows, rowStart);
      else accumulate2Bit(pass, qRowStart, doneWordRows, rowStart);
    } else {
      // 3, 5 and 6 bits: blocks of 32, 32 and 16 codes in 3, 5 and 3 words.
      const codesPerBlock = bits === 6 ? 16 : 32;
      const wordsPerBlock = bits === 5 ? 5 : 3;
      const blocks = Math.floor(group.rows / codesPerBlock);
      if (bits === 3) accumulate3Bit(pass, qRowStart, blocks, rowStart);
      else if (bits === 5) accumulate5Bit(pass, qRowStart, blocks, rowStart);
      else accumulate6Bit(pass, qRowStart, blocks, rowStart);
      doneRows = blocks * codesPerBlock;
      doneWordRows = blocks * wordsPerBlock;
    }
    if (doneRows < group.rows) {
      accumulateBitStream(pass, bits, qRowStart + doneWordRows, rowStart + doneRows, group.rows - doneRows);
    }

    // scale(nibble) = (nibble + 1)^2 * q_scale_max / 256.
    const scaleMax = halfToFloat(qScaleMax[g]!);
    for (let nibble = 0; nibble < 16; nibble++)
      scaleOfNibble[nibble] = ((nibble + 1) * (nibble + 1) * scaleMax) / 256;
    const zeroPoint = 1 << (bits - 1);
    for (let r = 0; r < rows; r++) {
      let xSum = 0;
      const xBase = r * inFeatures + rowStart;
      for (let j = 0; j < group.rows; j++) xSum += permuted[xBase + j]!;
      const offset = zeroPoint * xSum;
      const base = r * outFeatures;
      for (let n = 0; n < outFeatures; n++) {
        const nibble = (qScale[g * scaleWordsPerGroup + (n >>> 3)]! >>> ((n & 7) * 4)) & 15;
        total[base + n]! += (pass.sums[base + n]! - offset) * scaleOfNibble[nibble]!;
      }
    }
  }

  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < outFeatures; n++) {
      out[r * outStride + n] = total[r * outFeatures + n]! + (bias === undefined ? 0 : bias[n]!);
    }
  }
}

/** Eight 4-bit codes per word: stored rows `k0..k0+7` of one column. */
function accumulate4Bit(pass: GroupPass, qRowStart: number, wordRows: number, rowStart: number): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  for (let w = 0; w < wordRows; w++) {
    const qBase = (qRowStart + w) * paddedOutFeatures;
    for (let r = 0; r < rows; r++) {
      const k = r * inFeatures + rowStart + w * 8;
      const x0 = x[k]!;
      const x1 = x[k + 1]!;
      const x2 = x[k + 2]!;
      const x3 = x[k + 3]!;
      const x4 = x[k + 4]!;
      const x5 = x[k + 5]!;
      const x6 = x[k + 6]!;
      const x7 = x[k + 7]!;
      const sumBase = r * outFeatures;
      for (let n = 0; n < outFeatures; n++) {
        const word = qWeight[qBase + n]!;
        sums[sumBase + n]! +=
          x0 * (word & 15) +
          x1 * ((word >>> 4) & 15) +
          x2 * ((word >>> 8) & 15) +
          x3 * ((word >>> 12) & 15) +
          x4 * ((word >>> 16) & 15) +
          x5 * ((word >>> 20) & 15) +
          x6 * ((word >>> 24) & 15) +
          x7 * (word >>> 28);
      }
    }
  }
}

/** Four 8-bit codes per word. */
function accumulate8Bit(pass: GroupPass, qRowStart: number, wordRows: number, rowStart: number): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  for (let w = 0; w < wordRows; w++) {
    const qBase = (qRowStart + w) * paddedOutFeatures;
    for (let r = 0; r < rows; r++) {
      const k = r * inFeatures + rowStart + w * 4;
      const x0 = x[k]!;
      const x1 = x[k + 1]!;
      const x2 = x[k + 2]!;
      const x3 = x[k + 3]!;
      const sumBase = r * outFeatures;
      for (let n = 0; n < outFeatures; n++) {
        const word = qWeight[qBase + n]!;
        sums[sumBase + n]! +=
          x0 * (word & 255) + x1 * ((word >>> 8) & 255) + x2 * ((word >>> 16) & 255) + x3 * (word >>> 24);
      }
    }
  }
}

/**
 * Thirty-two 3-bit codes per block of three words, one word row at a time. Code 10 has its low 2 bits at
 * the top of word 0 and its high bit at the bottom of word 1. Code 21 has its low bit at the top of word 1
 * and its high 2 bits at the bottom of word 2. Because the dot product is linear in the code, a high
 * part counts with its input times 4 (or 2).
 */
function accumulate3Bit(pass: GroupPass, qRowStart: number, blocks: number, rowStart: number): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  for (let b = 0; b < blocks; b++) {
    const q0 = (qRowStart + b * 3) * paddedOutFeatures;
    const q1 = q0 + paddedOutFeatures;
    const q2 = q1 + paddedOutFeatures;
    for (let r = 0; r < rows; r++) {
      const k = r * inFeatures + rowStart + b * 32;
      const sumBase = r * outFeatures;

      // Word 0: codes 0..9 at bits 0, 3, ..., 27 and the low 2 bits of code 10 at bit 30.
      const a0 = x[k]!;
      const a1 = x[k + 1]!;
      const a2 = x[k + 2]!;
      const a3 = x[k + 3]!;
      const a4 = x[k + 4]!;
      const a5 = x[k + 5]!;
      const a6 = x[k + 6]!;
      const a7 = x[k + 7]!;
      const a8 = x[k + 8]!;
      const a9 = x[k + 9]!;
      const a10 = x[k + 10]!;
      for (let n = 0; n < outFeatures; n++) {
        const word = qWeight[q0 + n]!;
        sums[sumBase + n]! +=
          a0 * (word & 7) +
          a1 * ((word >>> 3) & 7) +
          a2 * ((word >>> 6) & 7) +
          a3 * ((word >>> 9) & 7) +
          a4 * ((word >>> 12) & 7) +
          a5 * ((word >>> 15) & 7) +
          a6 * ((word >>> 18) & 7) +
          a7 * ((word >>> 21) & 7) +
          a8 * ((word >>> 24) & 7) +
          a9 * ((word >>> 27) & 7) +
          a10 * (word >>> 30);
      }

      // Word 1: the high bit of code 10, codes 11..20 at bits 1, 4, ..., 28 and the low bit of code 21.
      const b10 = 4 * a10;
      const b11 = x[k + 11]!;
      const b12 = x[k + 12]!;
      const b13 = x[k + 13]!;
      const b14 = x[k + 14]!;
      const b15 = x[k + 15]!;
      const b16 = x[k + 16]!;
      const b17 = x[k + 17]!;
      const b18 = x[k + 18]!;
      const b19 = x[k + 19]!;
      const b20 = x[k + 20]!;
      const b21 = x[k + 21]!;
      for (let n = 0; n < outFeatures; n++) {
        const word = qWeight[q1 + n]!;
        sums[sumBase + n]! +=
          b10 * (word & 1) +
          b11 * ((word >>> 1) & 7) +
          b12 * ((word >>> 4) & 7) +
          b13 * ((word >>> 7) & 7) +
          b14 * ((word >>> 10) & 7) +
          b15 * ((word >>> 13) & 7) +
          b16 * ((word >>> 16) & 7) +
          b17 * ((word >>> 19) & 7) +
          b18 * ((word >>> 22) & 7) +
          b19 * ((word >>> 25) & 7) +
          b20 * ((word >>> 28) & 7) +
          b21 * (word >>> 31);
      }

      // Word 2: the high 2 bits of code 21, then codes 22..31 at bits 2, 5, ..., 29.
      const c21 = 2 * b21;
      const c22 = x[k + 22]!;
      const c23 = x[k + 23]!;
      const c24 = x[k + 24]!;
      const c25 = x[k + 25]!;
      const c26 = x[k + 26]!;
      const c27 = x[k + 27]!;
      const c28 = x[k + 28]!;
      const c29 = x[k + 29]!;
      const c30 = x[k + 30]!;
      const c31 = x[k + 31]!;
      for (let n = 0; n < outFeatures; n++) {
        const word = qWeight[q2 + n]!;
        sums[sumBase + n]! +=
          c21 * (word & 3) +
          c22 * ((word >>> 2) & 7) +
          c23 * ((word >>> 5) & 7) +
          c24 * ((word >>> 8) & 7) +
          c25 * ((word >>> 11) & 7) +
          c26 * ((word >>> 14) & 7) +
          c27 * ((word >>> 17) & 7) +
          c28 * ((word >>> 20) & 7) +
          c29 * ((word >>> 23) & 7) +
          c30 * ((word >>> 26) & 7) +
          c31 * (word >>> 29);
      }
    }
  }
}

/** 16 6-bit codes per block of 3 words, one word row at a time as in {@link accumulate3Bit}. */
function accumulate6Bit(pass: GroupPass, qRowStart: number, blocks: number, rowStart: number): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  for (let b = 0; b < blocks; b++) {
    const q0 = (qRowStart + b * 3) * paddedOutFeatures;
    for (let r = 0; r < rows; r++) {
      const k = r * inFeatures + rowStart + b * 16;
      const sumBase = r * outFeatures;

      // Word 0: codes 0..4, the low 2 bits of code 5.
      {
        const x0 = x[k]!;
        const x1 = x[k + 1]!;
        const x2 = x[k + 2]!;
        const x3 = x[k + 3]!;
        const x4 = x[k + 4]!;
        const x5 = x[k + 5]!;
        const q = q0;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x0 * (word & 63) +
            x1 * ((word >>> 6) & 63) +
            x2 * ((word >>> 12) & 63) +
            x3 * ((word >>> 18) & 63) +
            x4 * ((word >>> 24) & 63) +
            x5 * (word >>> 30);
        }
      }

      // Word 1: the high 4 bits of code 5 (weight 4), codes 6..9, the low 4 bits of code 10.
      {
        const x5High = 4 * x[k + 5]!;
        const x6 = x[k + 6]!;
        const x7 = x[k + 7]!;
        const x8 = x[k + 8]!;
        const x9 = x[k + 9]!;
        const x10 = x[k + 10]!;
        const q = q0 + paddedOutFeatures;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x5High * (word & 15) +
            x6 * ((word >>> 4) & 63) +
            x7 * ((word >>> 10) & 63) +
            x8 * ((word >>> 16) & 63) +
            x9 * ((word >>> 22) & 63) +
            x10 * (word >>> 28);
        }
      }

      // Word 2: the high 2 bits of code 10 (weight 16), codes 11..15.
      {
        const x10High = 16 * x[k + 10]!;
        const x11 = x[k + 11]!;
        const x12 = x[k + 12]!;
        const x13 = x[k + 13]!;
        const x14 = x[k + 14]!;
        const x15 = x[k + 15]!;
        const q = q0 + 2 * paddedOutFeatures;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x10High * (word & 3) +
            x11 * ((word >>> 2) & 63) +
            x12 * ((word >>> 8) & 63) +
            x13 * ((word >>> 14) & 63) +
            x14 * ((word >>> 20) & 63) +
            x15 * (word >>> 26);
        }
      }
    }
  }
}

/** 32 5-bit codes per block of 5 words, one word row at a time as in {@link accumulate3Bit}. */
function accumulate5Bit(pass: GroupPass, qRowStart: number, blocks: number, rowStart: number): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  for (let b = 0; b < blocks; b++) {
    const q0 = (qRowStart + b * 5) * paddedOutFeatures;
    for (let r = 0; r < rows; r++) {
      const k = r * inFeatures + rowStart + b * 32;
      const sumBase = r * outFeatures;

      // Word 0: codes 0..5, the low 2 bits of code 6.
      {
        const x0 = x[k]!;
        const x1 = x[k + 1]!;
        const x2 = x[k + 2]!;
        const x3 = x[k + 3]!;
        const x4 = x[k + 4]!;
        const x5 = x[k + 5]!;
        const x6 = x[k + 6]!;
        const q = q0;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x0 * (word & 31) +
            x1 * ((word >>> 5) & 31) +
            x2 * ((word >>> 10) & 31) +
            x3 * ((word >>> 15) & 31) +
            x4 * ((word >>> 20) & 31) +
            x5 * ((word >>> 25) & 31) +
            x6 * (word >>> 30);
        }
      }

      // Word 1: the high 3 bits of code 6 (weight 4), codes 7..11, the low 4 bits of code 12.
      {
        const x6High = 4 * x[k + 6]!;
        const x7 = x[k + 7]!;
        const x8 = x[k + 8]!;
        const x9 = x[k + 9]!;
        const x10 = x[k + 10]!;
        const x11 = x[k + 11]!;
        const x12 = x[k + 12]!;
        const q = q0 + paddedOutFeatures;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x6High * (word & 7) +
            x7 * ((word >>> 3) & 31) +
            x8 * ((word >>> 8) & 31) +
            x9 * ((word >>> 13) & 31) +
            x10 * ((word >>> 18) & 31) +
            x11 * ((word >>> 23) & 31) +
            x12 * (word >>> 28);
        }
      }

      // Word 2: the high bit of code 12 (weight 16), codes 13..18, the low bit of code 19.
      {
        const x12High = 16 * x[k + 12]!;
        const x13 = x[k + 13]!;
        const x14 = x[k + 14]!;
        const x15 = x[k + 15]!;
        const x16 = x[k + 16]!;
        const x17 = x[k + 17]!;
        const x18 = x[k + 18]!;
        const x19 = x[k + 19]!;
        const q = q0 + 2 * paddedOutFeatures;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x12High * (word & 1) +
            x13 * ((word >>> 1) & 31) +
            x14 * ((word >>> 6) & 31) +
            x15 * ((word >>> 11) & 31) +
            x16 * ((word >>> 16) & 31) +
            x17 * ((word >>> 21) & 31) +
            x18 * ((word >>> 26) & 31) +
            x19 * (word >>> 31);
        }
      }

      // Word 3: the high 4 bits of code 19 (weight 2), codes 20..24, the low 3 bits of code 25.
      {
        const x19High = 2 * x[k + 19]!;
        const x20 = x[k + 20]!;
        const x21 = x[k + 21]!;
        const x22 = x[k + 22]!;
        const x23 = x[k + 23]!;
        const x24 = x[k + 24]!;
        const x25 = x[k + 25]!;
        const q = q0 + 3 * paddedOutFeatures;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x19High * (word & 15) +
            x20 * ((word >>> 4) & 31) +
            x21 * ((word >>> 9) & 31) +
            x22 * ((word >>> 14) & 31) +
            x23 * ((word >>> 19) & 31) +
            x24 * ((word >>> 24) & 31) +
            x25 * (word >>> 29);
        }
      }

      // Word 4: the high 2 bits of code 25 (weight 8), codes 26..31.
      {
        const x25High = 8 * x[k + 25]!;
        const x26 = x[k + 26]!;
        const x27 = x[k + 27]!;
        const x28 = x[k + 28]!;
        const x29 = x[k + 29]!;
        const x30 = x[k + 30]!;
        const x31 = x[k + 31]!;
        const q = q0 + 4 * paddedOutFeatures;
        for (let n = 0; n < outFeatures; n++) {
          const word = qWeight[q + n]!;
          sums[sumBase + n]! +=
            x25High * (word & 3) +
            x26 * ((word >>> 2) & 31) +
            x27 * ((word >>> 7) & 31) +
            x28 * ((word >>> 12) & 31) +
            x29 * ((word >>> 17) & 31) +
            x30 * ((word >>> 22) & 31) +
            x31 * (word >>> 27);
        }
      }
    }
  }
}

/** Sixteen 2-bit codes per word. */
function accumulate2Bit(pass: GroupPass, qRowStart: number, wordRows: number, rowStart: number): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  const xs = new Float64Array(16);
  for (let w = 0; w < wordRows; w++) {
    const qBase = (qRowStart + w) * paddedOutFeatures;
    for (let r = 0; r < rows; r++) {
      const k = r * inFeatures + rowStart + w * 16;
      for (let i = 0; i < 16; i++) xs[i] = x[k + i]!;
      const sumBase = r * outFeatures;
      for (let n = 0; n < outFeatures; n++) {
        const word = qWeight[qBase + n]!;
        let dot = 0;
        for (let i = 0; i < 16; i++) dot += xs[i]! * ((word >>> (2 * i)) & 3);
        sums[sumBase + n]! += dot;
      }
    }
  }
}

/**
 * How the codes of one block (the fewest whole words that hold whole codes: `lcm(bits, 32)` bits) lie in
 * its words, as steps in code order. A run is `count` codes inside one word starting at `shift`. A
 * straddling code takes the top `32 - shift` bits of one word and its remaining bits from the next.
 */
interface BlockLayout {
  wordsPerBlock: number;
  codesPerBlock: number;
  /** Flat steps `[word, shift, count]`; `count` 0 marks a straddling code. */
  steps: Int32Array;
}

const blockLayouts = new Map<number, BlockLayout>();

function blockLayout(bits: number): BlockLayout {
  let layout = blockLayouts.get(bits);
  if (layout !== undefined) return layout;
  // lcm(bits, 32) / 32 words: 3 for 3 and 6 bits, 5 for 5 bits, 1 for 2, 4 and 8 bits.
  let wordsPerBlock = 1;
  if (bits === 3 || bits === 6) wordsPerBlock = 3;
  if (bits === 5) wordsPerBlock = 5;
  const codesPerBlock = (wordsPerBlock * 32) / bits;
  const steps: number[] = [];
  for (let i = 0; i < codesPerBlock; ) {
    const bit = i * bits;
    const word = bit >>> 5;
    const shift = bit & 31;
    if (shift + bits > 32) {
      steps.push(word, shift, 0);
      i++;
      continue;
    }
    const count = Math.min(Math.floor((32 - shift) / bits), codesPerBlock - i);
    steps.push(word, shift, count);
    i += count;
  }
  layout = { wordsPerBlock, codesPerBlock, steps: Int32Array.from(steps) };
  blockLayouts.set(bits, layout);
  return layout;
}

/**
 * Any width, including codes that straddle two words (3, 5 and 6 bits). Codes are decoded block by block
 * following {@link blockLayout}; `count` codes from stored row `rowStart` are read, starting at word row
 * `qRowStart`. A single row (decode) is dotted while decoding; several rows (prefill) decode a block's
 * codes once and reuse them for every row.
 */
function accumulateBitStream(
  pass: GroupPass,
  bits: number,
  qRowStart: number,
  rowStart: number,
  count: number,
): void {
  const { qWeight, paddedOutFeatures, outFeatures, x, inFeatures, rows, sums } = pass;
  const mask = (1 << bits) - 1;
  const { wordsPerBlock, codesPerBlock, steps } = blockLayout(bits);
  const words = new Uint32Array(wordsPerBlock + 1);
  const codes = new Float64Array(codesPerBlock);
  // Inputs of the block for a single row, zero past `count` so a partial block adds nothing.
  const xs = new Float64Array(codesPerBlock);

  for (let j0 = 0; j0 < count; j0 += codesPerBlock) {
    const blockCodes = Math.min(codesPerBlock, count - j0);
    const blockWordRow = qRowStart + (j0 / codesPerBlock) * wordsPerBlock;
    const blockWords = Math.ceil((blockCodes * bits) / 32);
    xs.fill(0);
    for (let c = 0; c < blockCodes; c++) xs[c] = x[rowStart + j0 + c]!;

    for (let n = 0; n < outFeatures; n++) {
      for (let w = 0; w < blockWords; w++) words[w] = qWeight[(blockWordRow + w) * paddedOutFeatures + n]!;
      for (let w = blockWords; w <= wordsPerBlock; w++) words[w] = 0;

      if (rows === 1) {
        let dot = 0;
        let i = 0;
        for (let step = 0; step < steps.length; step += 3) {
          const word = steps[step]!;
          const shift = steps[step + 1]!;
          const runLength = steps[step + 2]!;
          if (runLength === 0) {
            dot += xs[i++]! * (((words[word]! >>> shift) | (words[word + 1]! << (32 - shift))) & mask);
            continue;
          }
          let value = words[word]! >>> shift;
          for (let c = 0; c < runLength; c++) {
            dot += xs[i++]! * (value & mask);
            value >>>= bits;
          }
        }
        sums[n]! += dot;
        continue;
      }

      let i = 0;
      for (let step = 0; step < steps.length; step += 3) {
        const word = steps[step]!;
        const shift = steps[step + 1]!;
        const runLength = steps[step + 2]!;
        if (runLength === 0) {
          codes[i++] = ((words[word]! >>> shift) | (words[word + 1]! << (32 - shift))) & mask;
          continue;
        }
        let value = words[word]! >>> shift;
        for (let c = 0; c < runLength; c++) {
          codes[i++] = value & mask;
          value >>>= bits;
        }
      }
      for (let r = 0; r < rows; r++) {
        const k = r * inFeatures + rowStart + j0;
        let dot = 0;
        for (let c = 0; c < blockCodes; c++) dot += x[k + c]! * codes[c]!;
        sums[r * outFeatures + n]! += dot;
      }
    }
  }
}
