import type { Exl2WeightData } from '@minichat/runtime';
import { WebGpuCapacityError, WebGpuInvalidArgumentError } from '../../errors.js';
import { halfToFloat } from '../../half.js';
import { EXL2_BIT_WIDTHS } from './decode.js';
import { EXL2_GROUP_WORDS, EXL2_PAD_INDEX } from './kernel.js';

/** Host arrays of one column slice of an EXL2 layer, each small enough for one storage binding. */
export interface Exl2HostPart {
  /** First output column of the slice. */
  colOffset: number;
  /** Output columns the slice writes (pad columns excluded). */
  cols: number;
  /** Words per `qWeight` row in this slice (a multiple of 32). */
  stride: number;
  qWeight: Uint32Array<ArrayBuffer>;
  qScale: Uint32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer> | undefined;
}

/** An EXL2 layer rearranged for the GPU kernels. Codes keep exllamav2's on-disk bit layout. */
export interface Exl2HostLayout {
  inFeatures: number;
  outFeatures: number;
  /** Length of a gathered activation row: every group padded to a multiple of 4 elements. */
  paddedInFeatures: number;
  groupCount: number;
  /** Source feature of each gathered element, or {@link EXL2_PAD_INDEX}. */
  gatherIndex: Uint32Array<ArrayBuffer>;
  /** {@link EXL2_GROUP_WORDS} words per group. */
  groupTable: Uint32Array<ArrayBuffer>;
  parts: Exl2HostPart[];
}

function invalid(
  data: Exl2WeightData,
  field: string,
  value: unknown,
  reason: string,
): WebGpuInvalidArgumentError {
  return new WebGpuInvalidArgumentError(`${data.name}.${field}`, value, reason);
}

/** Checks that the groups tile the K stored rows and their packed words without gaps or overlaps. */
function validateGroups(data: Exl2WeightData): number {
  let rowStart = 0;
  let qRowStart = 0;
  data.groups.forEach((group, g) => {
    if (!(EXL2_BIT_WIDTHS as readonly number[]).includes(group.bits)) {
      throw invalid(data, `groups[${g}].bits`, group.bits, `expected one of ${EXL2_BIT_WIDTHS.join(', ')}`);
    }
    if (!Number.isInteger(group.rows) || group.rows < 1) {
      throw invalid(data, `groups[${g}].rows`, group.rows, 'expected a positive integer');
    }
    if (group.rowStart !== rowStart) {
      throw invalid(
        data,
        `groups[${g}].rowStart`,
        group.rowStart,
        `expected ${rowStart}, the end of the previous group`,
      );
    }
    if (group.qRowStart !== qRowStart) {
      throw invalid(
        data,
        `groups[${g}].qRowStart`,
        group.qRowStart,
        `expected ${qRowStart}, the first word row after the previous group`,
      );
    }
    rowStart += group.rows;
    qRowStart += Math.ceil((group.rows * group.bits) / 32);
  });
  if (rowStart !== data.inFeatures) {
    throw invalid(
      data,
      'groups',
      `${rowStart} rows`,
      `the groups must cover inFeatures (${data.inFeatures}) rows`,
    );
  }
  return qRowStart;
}

function validateArrays(data: Exl2WeightData, wordRows: number): void {
  const { inFeatures, outFeatures, paddedOutFeatures: padded } = data;
  if (!Number.isInteger(inFeatures) || inFeatures < 1)
    throw invalid(data, 'inFeatures', inFeatures, 'expected a positive integer');
  if (!Number.isInteger(outFeatures) || outFeatures < 1)
    throw invalid(data, 'outFeatures', outFeatures, 'expected a positive integer');
  if (padded % 32 !== 0 || padded < outFeatures || padded - outFeatures >= 32) {
    throw invalid(
      data,
      'paddedOutFeatures',
      padded,
      `expected outFeatures (${outFeatures}) rounded up to a multiple of 32`,
    );
  }
  const expect = (field: string, actual: number, expected: number, what: string): void => {
    if (actual !== expected) throw invalid(data, `${field}.length`, actual, `expected ${expected} (${what})`);
  };
  expect('qWeight', data.qWeight.length, wordRows * padded, `${wordRows} word rows × ${padded} columns`);
  expect('qScale', data.qScale.length, (data.groups.length * padded) / 8, 'groups × paddedOutFeatures / 8');
  expect('qScaleMax', data.qScaleMax.length, data.groups.length, 'one per group');
  expect('perm', data.perm.length, inFeatures, 'inFeatures');
  if (data.bias !== undefined) expect('bias', data.bias.length, padded, 'paddedOutFeatures');
  const seen = new Uint8Array(inFeatures);
  data.perm.forEach((feature, k) => {
    if (feature >= inFeatures || seen[feature]) {
      throw invalid(data, `perm[${k}]`, feature, `expected a permutation of 0..${inFeatures - 1}`);
    }
    seen[feature] = 1;
  });
}

/**
 * Validates an EXL2 layer and rearranges it for the kernels: the gather table, the group table, and
 * column slices whose `qWeight` fits in `maxBindingBytes`.
 */
export function prepareExl2(data: Exl2WeightData, maxBindingBytes: number): Exl2HostLayout {
  const wordRows = validateGroups(data);
  validateArrays(data, wordRows);
  const { inFeatures, outFeatures, paddedOutFeatures: padded, groups } = data;

  const groupTable = new Uint32Array(groups.length * EXL2_GROUP_WORDS);
  const groupFloats = new Float32Array(groupTable.buffer);
  const gatherList: number[] = [];
  groups.forEach((group, g) => {
    const base = g * EXL2_GROUP_WORDS;
    groupTable[base] = group.bits;
    groupTable[base + 1] = gatherList.length;
    groupTable[base + 2] = group.qRowStart;
    groupTable[base + 3] = group.rows;
    // (code + 1)^2 * scaleMax / 256 is exact in f32: scaleMax has 11 significant bits, the square 9.
    groupFloats[base + 4] = halfToFloat(data.qScaleMax[g]!) / 256;
    for (let j = 0; j < group.rows; j++) gatherList.push(data.perm[group.rowStart + j]!);
    while (gatherList.length % 4 !== 0) gatherList.push(EXL2_PAD_INDEX);
  });

  const bytesPerColumn = wordRows * 4;
  const maxCols = Math.floor(maxBindingBytes / bytesPerColumn / 32) * 32;
  if (maxCols < 32) {
    throw new WebGpuCapacityError(
      `${data.name} q_weight (32 columns)`,
      32 * bytesPerColumn,
      maxBindingBytes,
      'even a 32-column slice of this layer exceeds maxStorageBufferBindingSize; use a device with a larger limit',
    );
  }

  const parts: Exl2HostPart[] = [];
  for (let colOffset = 0; colOffset < outFeatures; colOffset += maxCols) {
    const stride = Math.min(maxCols, padded - colOffset);
    const cols = Math.min(stride, outFeatures - colOffset);
    parts.push({
      colOffset,
      cols,
      stride,
      qWeight: sliceColumns(data.qWeight, wordRows, padded, colOffset, stride),
      qScale: sliceColumns(data.qScale, groups.length, padded / 8, colOffset / 8, stride / 8),
      bias:
        data.bias === undefined
          ? undefined
          : Float32Array.from(data.bias.subarray(colOffset, colOffset + stride), halfToFloat),
    });
  }
  return {
    inFeatures,
    outFeatures,
    paddedInFeatures: gatherList.length,
    groupCount: groups.length,
    gatherIndex: Uint32Array.from(gatherList),
    groupTable,
    parts,
  };
}

/** Copies columns `[first, first + count)` of a row-major `[rows, width]` word matrix. */
function sliceColumns(
  source: Uint32Array,
  rows: number,
  width: number,
  first: number,
  count: number,
): Uint32Array<ArrayBuffer> {
  // A layer that fits one binding is uploaded straight from the caller's array, without a copy.
  if (first === 0 && count === width) return source as Uint32Array<ArrayBuffer>;
  const slice = new Uint32Array(rows * count);
  for (let r = 0; r < rows; r++)
    slice.set(source.subarray(r * width + first, r * width + first + count), r * count);
  return slice;
}
