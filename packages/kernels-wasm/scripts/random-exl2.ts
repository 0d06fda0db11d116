/** Random EXL2 layers for the kernel benchmarks in this folder. */
import type { Exl2WeightData } from '@minichat/runtime';

/** Random 32-bit words; crypto.getRandomValues fills at most 64 KiB per call. */
export function randomWords(count: number): Uint32Array {
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i += 16384) crypto.getRandomValues(words.subarray(i, i + 16384));
  return words;
}

/**
 * Builds a random EXL2 layer whose groups all have `groupBits` bits and `groupRows` rows (32, 64 or 128,
 * the sizes EXL2 uses), with a random input permutation. Scales are small enough that random codes keep activations finite through 24 layers.
 */
export function randomLayer(
  name: string,
  inFeatures: number,
  outFeatures: number,
  groupBits: number,
  groupRows = 128,
): Exl2WeightData {
  const paddedOutFeatures = Math.ceil(outFeatures / 32) * 32;
  const groupCount = inFeatures / groupRows;
  const groups = Array.from({ length: groupCount }, (_, g) => ({
    bits: groupBits,
    rows: groupRows,
    rowStart: g * groupRows,
    qRowStart: (g * groupRows * groupBits) / 32,
  }));
  const perm = Uint32Array.from({ length: inFeatures }, (_, k) => k);
  for (let k = inFeatures - 1; k > 0; k--) {
    const j = Math.floor(Math.random() * (k + 1));
    [perm[k], perm[j]] = [perm[j]!, perm[k]!];
  }
  return {
    kind: 'exl2',
    name,
    inFeatures,
    outFeatures,
    paddedOutFeatures,
    qWeight: randomWords(((groupCount * groupRows * groupBits) / 32) * paddedOutFeatures),
    qScale: randomWords((groupCount * paddedOutFeatures) / 8),
    // fp16 0.0005: small enough that random codes keep activations finite through 24 layers.
    qScaleMax: new Uint16Array(groupCount).fill(0x1019),
    groups,
    perm,
  };
}
