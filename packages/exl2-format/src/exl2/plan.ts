import { InvalidOptionError } from '../errors.js';
import { EXL2_BIT_WIDTHS, MAX_EXL2_IN_FEATURES } from '../limits.js';
import type { Exl2Group } from './groups.js';
import { isExl2BitWidth } from './groups.js';

/** Group sizes exllamav2's converter uses. */
export const EXL2_GROUP_SIZES = [32, 64, 128] as const;

/** One part of a quantization plan: a bit width for a share of the input rows. */
export interface Exl2PlanEntry {
  /** Bit width of the codes (2, 3, 4, 5, 6 or 8). */
  bits: number;
  /** Share of the input rows, 0..1. The last entry (after sorting by width) takes all remaining rows. */
  proportion: number;
  /** Rows per group: 32, 64 or 128. */
  groupSize: number;
}

/**
 * Splits `inFeatures` stored rows into groups following `plan`, widest bits first as exllamav2's
 * kernels require. Each entry gets `ceil(min(K × proportion, remaining) / groupSize)` groups, as
 * exllamav2's converter allocates them. When K is not a multiple of 32, a leading 8-bit group
 * takes the `K mod 32` remainder rows so that every group fills whole 32-bit words.
 */
export function planGroups(inFeatures: number, plan: readonly Exl2PlanEntry[]): Exl2Group[] {
  if (!Number.isInteger(inFeatures) || inFeatures < 1 || inFeatures > MAX_EXL2_IN_FEATURES) {
    throw new InvalidOptionError(
      `inFeatures ${inFeatures} must be an integer in [1, ${MAX_EXL2_IN_FEATURES}].`,
      {
        expected: `1..${MAX_EXL2_IN_FEATURES}`,
        actual: String(inFeatures),
      },
    );
  }
  if (plan.length === 0)
    throw new InvalidOptionError(
      'The quantization plan is empty; give at least one { bits, proportion, groupSize }.',
    );
  for (const entry of plan) {
    if (!isExl2BitWidth(entry.bits)) {
      throw new InvalidOptionError(
        `Plan bit width ${entry.bits} is not supported; use one of ${EXL2_BIT_WIDTHS.join(', ')}.`,
        {
          expected: EXL2_BIT_WIDTHS.join('|'),
          actual: String(entry.bits),
        },
      );
    }
    if (!(EXL2_GROUP_SIZES as readonly number[]).includes(entry.groupSize)) {
      throw new InvalidOptionError(
        `Plan group size ${entry.groupSize} is not supported; use 32, 64 or 128.`,
        {
          expected: '32|64|128',
          actual: String(entry.groupSize),
        },
      );
    }
    if (!Number.isFinite(entry.proportion) || entry.proportion < 0 || entry.proportion > 1) {
      throw new InvalidOptionError(`Plan proportion ${entry.proportion} must be between 0 and 1.`, {
        expected: '0..1',
        actual: String(entry.proportion),
      });
    }
  }

  const groups: Exl2Group[] = [];
  let rowStart = 0;
  let qRowStart = 0;
  const push = (bits: number, rows: number) => {
    groups.push({ bits, rows, rowStart, qRowStart });
    rowStart += rows;
    qRowStart += (rows * bits) / 32;
  };

  const remainder = inFeatures % 32;
  if (remainder !== 0) {
    if (remainder % 4 !== 0) {
      throw new InvalidOptionError(
        `inFeatures ${inFeatures} leaves ${remainder} rows beyond a multiple of 32, which no 8-bit group fills as whole words; K must be a multiple of 4.`,
        { expected: 'K % 4 === 0', actual: String(inFeatures) },
      );
    }
    push(8, remainder);
  }

  const sorted = [...plan].sort((a, b) => b.bits - a.bits);
  const alignedRows = inFeatures - remainder;
  sorted.forEach((entry, index) => {
    let remaining = inFeatures - rowStart;
    const wanted =
      index === sorted.length - 1
        ? remaining
        : Math.min(Math.ceil(alignedRows * entry.proportion), remaining);
    let groupCount = Math.ceil(wanted / entry.groupSize);
    while (groupCount-- > 0 && remaining > 0) {
      const rows = Math.min(entry.groupSize, remaining);
      push(entry.bits, rows);
      remaining -= rows;
    }
  });
  return groups;
}

/** Bits per weight {@link planForBits} accepts: all-2-bit to all-8-bit codes, with or without scale overhead. */
export const PLAN_BITS_RANGE: {
  /** Lowest target: all 2-bit codes. */
  readonly min: 2;
  /** Highest target: all 8-bit codes, allowing for up to 0.5 bits of overhead in the request. */
  readonly max: 8.5;
} = { min: 2, max: 8.5 };

/**
 * Returns a plan that averages about `bitsPerWeight` bits per weight including the 4-bit
 * per-column scale of each 128-row group (0.03125 bits), mixing the two nearest widths. Targets
 * within the scale overhead of 2 or 8 bits give all-2-bit or all-8-bit plans.
 */
export function planForBits(bitsPerWeight: number): Exl2PlanEntry[] {
  const scaleOverhead = 4 / 128;
  if (
    !Number.isFinite(bitsPerWeight) ||
    bitsPerWeight < PLAN_BITS_RANGE.min ||
    bitsPerWeight > PLAN_BITS_RANGE.max
  ) {
    throw new InvalidOptionError(
      `bits per weight ${bitsPerWeight} is outside the range EXL2 plans cover (${PLAN_BITS_RANGE.min} to ${PLAN_BITS_RANGE.max}).`,
      { expected: `${PLAN_BITS_RANGE.min}..${PLAN_BITS_RANGE.max}`, actual: String(bitsPerWeight) },
    );
  }
  const codeBits = Math.min(8, Math.max(2, bitsPerWeight - scaleOverhead));
  const widths = [...EXL2_BIT_WIDTHS].reverse();
  const exact = widths.find((bits) => Math.abs(bits - codeBits) < 1e-9);
  if (exact !== undefined) return [{ bits: exact, proportion: 1, groupSize: 128 }];
  const low = widths.filter((bits) => bits < codeBits).at(-1)!;
  const high = widths.find((bits) => bits > codeBits)!;
  const highShare = (codeBits - low) / (high - low);
  return [
    { bits: high, proportion: highShare, groupSize: 128 },
    { bits: low, proportion: 1 - highShare, groupSize: 128 },
  ];
}

/**
 * Returns exllamav2's `lm_head` recipe for a head bit width: 8 → all 8-bit g128 ("h8"),
 * 6 → 8/6-bit g128 at 15/85%.
 */
export function headPlan(headBits: number): Exl2PlanEntry[] {
  if (headBits === 8) return [{ bits: 8, proportion: 1, groupSize: 128 }];
  if (headBits === 6) {
    return [
      { bits: 8, proportion: 0.15, groupSize: 128 },
      { bits: 6, proportion: 0.85, groupSize: 128 },
    ];
  }
  throw new InvalidOptionError(
    `Head bits ${headBits} is not supported; use 6 or 8 (exllamav2's h6 and h8 heads).`,
    {
      expected: '6 | 8',
      actual: String(headBits),
    },
  );
}
