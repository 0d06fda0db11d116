import { floatToHalf } from '../backend/half.js';
import type { Exl2GroupData, Exl2WeightData } from '../backend/interface.js';
import type { Random } from '../random.js';

/** A share of a layer's input rows quantized at one bit width. */
export interface Exl2PlanPart {
  /** Bit width: 2, 3, 4, 5, 6 or 8. */
  bits: number;
  /** Share of the input rows, in (0, 1]; the last part takes whatever rows remain. */
  proportion: number;
  /** Rows per group: 32, 64 or 128 in exllamav2 files. */
  groupSize: number;
}

/**
 * Splits `inFeatures` stored rows into groups following a plan, widest bit width first, because
 * exllamav2's kernels require that order. Every group's codes fill whole 32-bit words, except that the
 * final group may end inside a word.
 */
export function planExl2Groups(inFeatures: number, plan: readonly Exl2PlanPart[]): Exl2GroupData[] {
  const parts = [...plan].sort((a, b) => b.bits - a.bits);
  const groups: Exl2GroupData[] = [];
  let rowStart = 0;
  let qRowStart = 0;
  parts.forEach((part, index) => {
    const remaining = inFeatures - rowStart;
    // Codes fill whole words in runs of 32 / gcd(bits, 32) rows; only the last part may end mid-word.
    const wordAligned = 32 / greatestCommonDivisor(part.bits, 32);
    let partRows =
      index === parts.length - 1 ? remaining : Math.min(remaining, Math.ceil(inFeatures * part.proportion));
    if (index < parts.length - 1) partRows -= partRows % wordAligned;
    while (partRows > 0) {
      const rows = Math.min(part.groupSize, partRows);
      groups.push({ bits: part.bits, rows, rowStart, qRowStart });
      rowStart += rows;
      qRowStart += Math.ceil((rows * part.bits) / 32);
      partRows -= rows;
    }
  });
  return groups;
}

/** Options of {@link randomExl2Weight}. */
export interface RandomExl2Options {
  /** Layer name used in messages. */
  name: string;
  /** Input features (K). */
  inFeatures: number;
  /** Output features (N). */
  outFeatures: number;
  /** Groups, as from {@link planExl2Groups}. */
  groups: readonly Exl2GroupData[];
  /** Adds a random fp16 bias. Default false. */
  bias?: boolean;
  /** Shuffles the input rows. Default true. */
  permute?: boolean;
}

/**
 * Builds an EXL2 layer with random codes, scales and permutation, packed exactly as exllamav2 stores it.
 * Each column of a group is an LSB-first bit stream running down consecutive 32-bit word rows. Scale
 * nibbles hold `code - 1`, eight to a word, and pad columns hold the zero-point code. Scale maxima keep
 * `x @ W` near unit variance for unit-variance inputs.
 */
export function randomExl2Weight(random: Random, options: RandomExl2Options): Exl2WeightData {
  const { inFeatures, outFeatures, groups } = options;
  const paddedOutFeatures = Math.ceil(outFeatures / 32) * 32;
  const last = groups[groups.length - 1]!;
  const wordRows = last.qRowStart + Math.ceil((last.rows * last.bits) / 32);
  const qWeight = new Uint32Array(wordRows * paddedOutFeatures);
  const qScale = new Uint32Array((groups.length * paddedOutFeatures) / 8);
  const qScaleMax = new Uint16Array(groups.length);

  groups.forEach((group, g) => {
    const { bits, rows, qRowStart } = group;
    const zeroPoint = 1 << (bits - 1);
    for (let n = 0; n < paddedOutFeatures; n++) {
      for (let j = 0; j < rows; j++) {
        const code = n < outFeatures ? random.nextInt(1 << bits) : zeroPoint;
        const bit = j * bits;
        const word = (qRowStart + (bit >>> 5)) * paddedOutFeatures + n;
        const shift = bit & 31;
        qWeight[word]! |= code << shift;
        if (shift + bits > 32) qWeight[word + paddedOutFeatures]! |= code >>> (32 - shift);
      }
      const nibble = random.nextInt(16);
      qScale[g * (paddedOutFeatures / 8) + (n >>> 3)]! |= nibble << ((n & 7) * 4);
    }
    const targetMax = 2 / Math.sqrt(inFeatures) / zeroPoint;
    qScaleMax[g] = floatToHalf(targetMax * (0.5 + 0.5 * random.next()));
  });

  const perm = Uint32Array.from({ length: inFeatures }, (_, k) => k);
  if (options.permute !== false) {
    for (let i = inFeatures - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      const swap = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = swap;
    }
  }

  const weight: Exl2WeightData = {
    kind: 'exl2',
    name: options.name,
    inFeatures,
    outFeatures,
    paddedOutFeatures,
    qWeight,
    qScale,
    qScaleMax,
    groups: groups.map((group) => ({ ...group })),
    perm,
  };
  if (options.bias === true) {
    weight.bias = Uint16Array.from({ length: paddedOutFeatures }, () =>
      floatToHalf(random.nextNormal() * 0.1),
    );
  }
  return weight;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}
