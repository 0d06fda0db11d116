import type { Exl2GroupData, Exl2WeightData } from '@minichat/runtime';

/** One group of a test layer: its bit width and row count. */
export interface TestGroup {
  bits: number;
  rows: number;
}

/**
 * Packs an EXL2 layer from explicit codes, following the on-disk rule of exllamav2: within a group,
 * each column is an LSB-first bit stream down consecutive 32-bit word rows. `codes[k * N + n]` is the
 * code of stored row k, column n; `scaleNibbles[g * Np + n]` the 4-bit scale code minus one.
 */
export function packExl2(options: {
  name: string;
  inFeatures: number;
  outFeatures: number;
  groups: readonly TestGroup[];
  codes: ArrayLike<number>;
  scaleNibbles: ArrayLike<number>;
  scaleMaxHalves: ArrayLike<number>;
  perm: ArrayLike<number>;
}): Exl2WeightData {
  const { inFeatures, outFeatures } = options;
  const padded = Math.ceil(outFeatures / 32) * 32;
  const groups: Exl2GroupData[] = [];
  let rowStart = 0;
  let qRowStart = 0;
  for (const group of options.groups) {
    groups.push({ bits: group.bits, rows: group.rows, rowStart, qRowStart });
    rowStart += group.rows;
    qRowStart += Math.ceil((group.rows * group.bits) / 32);
  }
  const qWeight = new Uint32Array(qRowStart * padded);
  const qScale = new Uint32Array((groups.length * padded) / 8);
  groups.forEach((group, g) => {
    for (let n = 0; n < padded; n++) {
      for (let j = 0; j < group.rows; j++) {
        const code =
          n < outFeatures ? options.codes[(group.rowStart + j) * outFeatures + n]! : 1 << (group.bits - 1);
        const bit = j * group.bits;
        const word = (group.qRowStart + Math.floor(bit / 32)) * padded + n;
        const shift = bit % 32;
        qWeight[word] = (qWeight[word]! | (code << shift)) >>> 0;
        if (shift + group.bits > 32) {
          qWeight[word + padded] = (qWeight[word + padded]! | (code >>> (32 - shift))) >>> 0;
        }
      }
      const nibble = n < outFeatures ? options.scaleNibbles[g * padded + n]! : 0;
      const index = g * (padded / 8) + Math.floor(n / 8);
      qScale[index] = (qScale[index]! | (nibble << (4 * (n % 8)))) >>> 0;
    }
  });
  return {
    kind: 'exl2',
    name: options.name,
    inFeatures,
    outFeatures,
    paddedOutFeatures: padded,
    qWeight,
    qScale,
    qScaleMax: Uint16Array.from(options.scaleMaxHalves),
    groups,
    perm: Uint32Array.from(options.perm),
  };
}
