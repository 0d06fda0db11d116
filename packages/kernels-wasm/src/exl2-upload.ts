import { checkInteger, type Exl2WeightData, validateLinearData } from '@minichat/runtime';
import { floatFromHalf } from './half.js';
import type { KernelContext } from './kernel-context.js';
import { BLOCK_ROWS, EXL2_GROUP_BYTES, EXL2_LAYER_FIELDS, KernelOp, TILE_COLS } from './kernel-ops.js';
import { type Allocation, WasmExl2Linear } from './resources.js';

/** The EXL2 format stores permutation entries as unsigned 16-bit values, so K is at most 65536. */
const MAX_EXL2_IN_FEATURES = 65536;
/** Output columns are bounded so a tile offset (tiles * tile bytes) stays within 32-bit arithmetic. */
const MAX_EXL2_OUT_FEATURES = 1 << 22;

/** Checks the packed arrays against the layer's shape before any index into them is computed. */
export function validateExl2(data: Exl2WeightData): void {
  checkInteger('uploadLinear', `${data.name}.inFeatures`, data.inFeatures, 1, MAX_EXL2_IN_FEATURES);
  checkInteger('uploadLinear', `${data.name}.outFeatures`, data.outFeatures, 1, MAX_EXL2_OUT_FEATURES);
  validateLinearData(data);
}

/**
 * Copies an EXL2 layer into the kernel memory in the tile layout of `csrc/exl2_tile.h`. The codes take
 * the same bytes as the packed file, plus zero-code padding when a group's rows are not a multiple of 32.
 * Scale nibbles take one byte each. Groups are repacked one at a time through a scratch block, so the host
 * arrays are never copied whole.
 */
export function uploadExl2(
  context: KernelContext,
  owner: symbol,
  data: Exl2WeightData,
  parallel: boolean,
): WasmExl2Linear {
  validateExl2(data);
  const { heap } = context;
  const { groups, paddedOutFeatures, outFeatures, inFeatures } = data;
  const tiles = paddedOutFeatures / TILE_COLS;
  const groupCount = groups.length;

  const layout = groups.map((group) => ({
    bits: group.bits,
    blocks: Math.ceil(group.rows / BLOCK_ROWS),
    offset: 0,
  }));
  let tileBytes = 0;
  for (const entry of layout) {
    entry.offset = tileBytes;
    tileBytes += entry.blocks * entry.bits * 16;
  }
  const paddedK = layout.reduce((sum, entry) => sum + entry.blocks * BLOCK_ROWS, 0);
  const scaleChunks = layout.reduce((sum, entry) => sum + Math.ceil(entry.blocks / context.chunkBlocks), 0);

  const allocations: Allocation[] = [];
  const allocate = (bytes: number, what: string): number => {
    const offset = heap.allocate(bytes, `${data.name} ${what}`);
    allocations.push({ offset, bytes });
    return offset;
  };
  try {
    const descriptor = allocate(EXL2_LAYER_FIELDS * 4, 'descriptor');
    const groupTable = allocate(groupCount * EXL2_GROUP_BYTES, 'groups');
    // One-row products read up to readAheadBytes past the last tile's codes.
    const weights = allocate(tiles * tileBytes + context.readAheadBytes, 'codes');
    const scales = allocate(tiles * groupCount * 4, 'scales');
    const gather = allocate(paddedK * 4, 'gather map');
    const bias = data.bias === undefined ? 0 : allocate(outFeatures * 4, 'bias');

    const ints = heap.ints();
    const floats = heap.floats();
    ints.set(
      [
        tiles,
        tileBytes,
        groupCount,
        paddedK,
        outFeatures,
        groupTable,
        weights,
        scales,
        gather,
        bias,
        inFeatures,
        scaleChunks,
      ],
      descriptor / 4,
    );
    for (let g = 0; g < groupCount; g++) {
      const base = (groupTable + g * EXL2_GROUP_BYTES) / 4;
      ints[base] = layout[g]!.bits;
      ints[base + 1] = layout[g]!.blocks;
      ints[base + 2] = layout[g]!.offset;
      floats[base + 3] = floatFromHalf(data.qScaleMax[g]!) / 256;
    }

    // gather[padded stored row] = input feature, or -1 for the padding rows of a short group.
    ints.fill(-1, gather / 4, gather / 4 + paddedK);
    let paddedRow = 0;
    for (let g = 0; g < groupCount; g++) {
      const group = groups[g]!;
      for (let j = 0; j < group.rows; j++) ints[gather / 4 + paddedRow + j] = data.perm[group.rowStart + j]!;
      paddedRow += layout[g]!.blocks * BLOCK_ROWS;
    }

    // scales[tile][group][column] = scale nibble s.
    const bytes = heap.bytes();
    const wordsPerGroup = paddedOutFeatures / 8;
    for (let g = 0; g < groupCount; g++) {
      for (let n = 0; n < paddedOutFeatures; n++) {
        const nibble = (data.qScale[g * wordsPerGroup + (n >>> 3)]! >>> ((n & 7) * 4)) & 15;
        bytes[scales + ((n >>> 2) * groupCount + g) * 4 + (n & 3)] = nibble;
      }
    }

    if (data.bias !== undefined) {
      for (let n = 0; n < outFeatures; n++) floats[bias / 4 + n] = floatFromHalf(data.bias[n]!);
    }

    for (let g = 0; g < groupCount; g++) {
      const group = groups[g]!;
      const wordRows = Math.ceil((group.rows * group.bits) / 32);
      const words = wordRows * paddedOutFeatures;
      const source = context.scratchBlock('repack', words * 4);
      heap
        .ints()
        .set(
          new Int32Array(
            data.qWeight.buffer,
            data.qWeight.byteOffset + group.qRowStart * paddedOutFeatures * 4,
            words,
          ),
          source / 4,
        );
      context.run('uploadLinear', KernelOp.exl2Repack, tiles, [descriptor, g, source, group.rows], parallel);
    }
    return new WasmExl2Linear(
      owner,
      allocations,
      inFeatures,
      outFeatures,
      paddedK,
      scaleChunks,
      tiles,
      descriptor,
      tiles * tileBytes,
    );
  } catch (error) {
    for (const block of allocations) heap.release(block.offset, block.bytes);
    throw error;
  }
}
