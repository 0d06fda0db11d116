import { Exl2TensorError } from '../errors.js';
import { EXL2_BIT_WIDTHS, MAX_EXL2_GROUPS } from '../limits.js';

/** One group of consecutive stored rows that share a bit width and a scale row. */
export interface Exl2Group {
  /** Bit width of every code in the group (2, 3, 4, 5, 6 or 8). */
  bits: number;
  /** Number of stored (permuted) input rows in the group. */
  rows: number;
  /** First stored row of the group. */
  rowStart: number;
  /** First `q_weight` row (32-bit word row) of the group. */
  qRowStart: number;
}

/** Zero point of a bit width: codes store `value + 2^(bits-1)`. */
export function zeroPoint(bits: number): number {
  return 1 << (bits - 1);
}

/** Returns true when `bits` is a width EXL2 kernels implement. */
export function isExl2BitWidth(bits: number): boolean {
  return (EXL2_BIT_WIDTHS as readonly number[]).includes(bits);
}

/** Returns true when group widths never increase, the order exllamav2's kernels assume. */
export function groupsInKernelOrder(groups: readonly Exl2Group[]): boolean {
  return groups.every((group, index) => index === 0 || group.bits <= groups[index - 1]!.bits);
}

/**
 * Decodes `q_groups` (pairs of bit width and first `q_weight` row) into groups, deriving each
 * group's row count from the word rows it owns. Checks every width, that groups start at word
 * row 0, move forward, fill whole words and together cover exactly `inFeatures` rows and
 * `qRows` word rows.
 */
export function parseQGroups(
  qGroups: Uint16Array,
  inFeatures: number,
  qRows: number,
  tensor: string,
): Exl2Group[] {
  const fail = (message: string, expected: string, actual: string): never => {
    throw new Exl2TensorError(`${tensor}.q_groups: ${message}`, {
      tensor: `${tensor}.q_groups`,
      expected,
      actual,
    });
  };
  const count = qGroups.length / 2;
  if (!Number.isInteger(count) || count < 1 || count > MAX_EXL2_GROUPS) {
    fail(
      `length ${qGroups.length} is not an even number of entries for 1..${MAX_EXL2_GROUPS} groups.`,
      `2 × (1..${MAX_EXL2_GROUPS})`,
      String(qGroups.length),
    );
  }

  const groups: Exl2Group[] = [];
  let rowStart = 0;
  for (let g = 0; g < count; g++) {
    const bits = qGroups[2 * g]!;
    const qRowStart = qGroups[2 * g + 1]!;
    const qRowEnd = g + 1 < count ? qGroups[2 * g + 3]! : qRows;
    if (!isExl2BitWidth(bits)) {
      fail(
        `group ${g} has bit width ${bits}; EXL2 supports ${EXL2_BIT_WIDTHS.join(', ')}.`,
        EXL2_BIT_WIDTHS.join('|'),
        String(bits),
      );
    }
    if (g === 0 && qRowStart !== 0)
      fail(`group 0 starts at q_weight row ${qRowStart}.`, '0', String(qRowStart));
    if (qRowEnd <= qRowStart || qRowEnd > qRows) {
      fail(
        `group ${g} spans q_weight rows [${qRowStart}, ${qRowEnd}), which is empty or past the ${qRows} rows of q_weight.`,
        `0 <= start < end <= ${qRows}`,
        `[${qRowStart}, ${qRowEnd})`,
      );
    }
    const wordBits = (qRowEnd - qRowStart) * 32;
    if (wordBits % bits !== 0) {
      fail(
        `group ${g} owns ${qRowEnd - qRowStart} word rows, which do not hold a whole number of ${bits}-bit codes.`,
        `multiple of ${bits} bits`,
        `${wordBits} bits`,
      );
    }
    const rows = wordBits / bits;
    groups.push({ bits, rows, rowStart, qRowStart });
    rowStart += rows;
  }
  if (rowStart !== inFeatures) {
    fail(
      `groups cover ${rowStart} input rows but q_invperm has ${inFeatures}; q_groups is inconsistent with q_weight.`,
      `${inFeatures} rows`,
      `${rowStart} rows`,
    );
  }
  return groups;
}

/** Encodes groups back into `q_groups` pairs. */
export function encodeQGroups(groups: readonly Exl2Group[]): Uint16Array {
  const out = new Uint16Array(groups.length * 2);
  groups.forEach((group, g) => {
    out[2 * g] = group.bits;
    out[2 * g + 1] = group.qRowStart;
  });
  return out;
}
