import type { Exl2Group } from './groups.js';

/**
 * Reads the code of stored row `j` (local to `group`) in column `n`. Each column of a group is
 * an LSB-first bit stream running down consecutive `q_weight` rows, so 3-, 5- and 6-bit codes
 * may straddle two words.
 */
export function readCode(
  qWeight: Uint32Array,
  paddedOutFeatures: number,
  group: Exl2Group,
  j: number,
  n: number,
): number {
  const bit = j * group.bits;
  const word = group.qRowStart + (bit >>> 5);
  const shift = bit & 31;
  let code = qWeight[word * paddedOutFeatures + n]! >>> shift;
  if (shift + group.bits > 32) code |= qWeight[(word + 1) * paddedOutFeatures + n]! << (32 - shift);
  return code & ((1 << group.bits) - 1);
}

/** Unpacks all codes of one group into `out` as `[rows, paddedOutFeatures]`, row-major. */
export function unpackGroupCodes(
  qWeight: Uint32Array,
  paddedOutFeatures: number,
  group: Exl2Group,
  out = new Uint8Array(group.rows * paddedOutFeatures),
): Uint8Array {
  const { bits, rows, qRowStart } = group;
  const mask = (1 << bits) - 1;
  for (let j = 0; j < rows; j++) {
    const bit = j * bits;
    const shift = bit & 31;
    const base = (qRowStart + (bit >>> 5)) * paddedOutFeatures;
    const target = j * paddedOutFeatures;
    if (shift + bits <= 32) {
      for (let n = 0; n < paddedOutFeatures; n++) out[target + n] = (qWeight[base + n]! >>> shift) & mask;
    } else {
      const next = base + paddedOutFeatures;
      const highShift = 32 - shift;
      for (let n = 0; n < paddedOutFeatures; n++) {
        out[target + n] = ((qWeight[base + n]! >>> shift) | (qWeight[next + n]! << highShift)) & mask;
      }
    }
  }
  return out;
}

/**
 * Packs codes `[rows, paddedOutFeatures]` of one group into `qWeight` starting at the group's
 * first word row, using the same bit streams {@link readCode} reads. The group must fill whole
 * words (`rows × bits` a multiple of 32).
 */
export function packGroupCodes(
  codes: Uint8Array,
  qWeight: Uint32Array,
  paddedOutFeatures: number,
  group: Exl2Group,
): void {
  const { bits, rows, qRowStart } = group;
  const mask = (1 << bits) - 1;
  const words = (rows * bits) / 32;
  qWeight.fill(0, qRowStart * paddedOutFeatures, (qRowStart + words) * paddedOutFeatures);
  for (let j = 0; j < rows; j++) {
    const bit = j * bits;
    const shift = bit & 31;
    const base = (qRowStart + (bit >>> 5)) * paddedOutFeatures;
    const source = j * paddedOutFeatures;
    for (let n = 0; n < paddedOutFeatures; n++) {
      const code = codes[source + n]! & mask;
      qWeight[base + n] = (qWeight[base + n]! | (code << shift)) >>> 0;
      if (shift + bits > 32) {
        const next = base + paddedOutFeatures + n;
        qWeight[next] = (qWeight[next]! | (code >>> (32 - shift))) >>> 0;
      }
    }
  }
}

/** Reads the 4-bit scale nibble of group `g`, column `n` (the scale code minus one). */
export function readScaleNibble(
  qScale: Uint32Array,
  paddedOutFeatures: number,
  g: number,
  n: number,
): number {
  return (qScale[g * (paddedOutFeatures / 8) + (n >>> 3)]! >>> (4 * (n & 7))) & 15;
}

/** Packs per-column scale nibbles of group `g` into `qScale`. */
export function packScaleNibbles(
  nibbles: Uint8Array,
  qScale: Uint32Array,
  paddedOutFeatures: number,
  g: number,
): void {
  const base = g * (paddedOutFeatures / 8);
  for (let w = 0; w < paddedOutFeatures / 8; w++) {
    let word = 0;
    for (let i = 0; i < 8; i++) word |= (nibbles[w * 8 + i]! & 15) << (4 * i);
    qScale[base + w] = word >>> 0;
  }
}

/**
 * Packs the codes of one column for every group into `qWeight`. `codes` contains the column's
 * codes in stored row order (`inFeatures` entries). Each group's codes form one LSB-first bit
 * stream down the column, as {@link readCode} reads it; groups must fill whole words.
 */
export function packColumnCodes(
  codes: Uint8Array,
  qWeight: Uint32Array,
  paddedOutFeatures: number,
  groups: readonly Exl2Group[],
  n: number,
): void {
  for (const { bits, rows, rowStart, qRowStart } of groups) {
    let word = 0;
    let filled = 0;
    let target = qRowStart * paddedOutFeatures + n;
    for (let k = rowStart; k < rowStart + rows; k++) {
      const code = codes[k]!;
      word |= code << filled;
      filled += bits;
      if (filled >= 32) {
        qWeight[target] = word >>> 0;
        target += paddedOutFeatures;
        filled -= 32;
        // The high bits of a straddling code start the next word.
        word = filled > 0 ? code >>> (bits - filled) : 0;
      }
    }
  }
}
