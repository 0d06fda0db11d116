import type { GpuContext } from '../../gpu/context.js';
import {
  EXL2_COLUMNS_PER_WORKGROUP,
  EXL2_GATHER_WORKGROUP_SIZE,
  EXL2_SLICES,
  exl2GatherKernel,
  exl2MatmulKernel,
  SPLIT_SUM_WORKGROUP_SIZE,
  splitSumKernel,
} from './kernel.js';
import type { Exl2HostLayout } from './prepare.js';

/** Activation rows that share each decoded weight word in the prefill form of the kernel. */
export const EXL2_PREFILL_ROW_TILE = 8;
/**
 * Workgroups a product with few rows aims for before its groups are divided among workgroups. A
 * 3072-wide layer has 96 column blocks, too few to keep a large GPU's memory system busy at batch 1.
 */
const SPLIT_TARGET_WORKGROUPS = 512;
/** Most activation rows for which the groups are divided (decode and short inputs). */
const SPLIT_MAX_ROWS = 4;

/**
 * Returns how many workgroups share the groups of each column block: 1 for prefill and wide layers,
 * otherwise enough to approach {@link SPLIT_TARGET_WORKGROUPS} while every slice keeps at least one group.
 */
export function exl2SplitCount(layout: Exl2GpuLayout, rows: number): number {
  if (rows > SPLIT_MAX_ROWS) return 1;
  let columnGroups = 0;
  for (const part of layout.parts) columnGroups += Math.ceil(part.cols / EXL2_COLUMNS_PER_WORKGROUP);
  const wanted = Math.ceil(SPLIT_TARGET_WORKGROUPS / columnGroups);
  return Math.max(1, Math.min(wanted, Math.floor(layout.groupCount / EXL2_SLICES)));
}

/** One uploaded column slice of an EXL2 layer. */
export interface Exl2GpuPart {
  colOffset: number;
  cols: number;
  stride: number;
  qWeight: GPUBuffer;
  qScale: GPUBuffer;
  bias: GPUBuffer | undefined;
}

/** An EXL2 layer on the device. */
export interface Exl2GpuLayout {
  inFeatures: number;
  outFeatures: number;
  paddedInFeatures: number;
  groupCount: number;
  gatherIndex: GPUBuffer;
  groupTable: GPUBuffer;
  parts: Exl2GpuPart[];
}

/** Uploads a prepared layer. When an allocation fails, the buffers created before it are destroyed. */
export function uploadExl2(context: GpuContext, label: string, host: Exl2HostLayout): Exl2GpuLayout {
  const created: GPUBuffer[] = [];
  const upload = (name: string, data: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>): GPUBuffer => {
    const buffer = context.createStorageBuffer(`${label}.${name}`, data.byteLength);
    created.push(buffer);
    context.write(buffer, 0, data);
    return buffer;
  };
  try {
    return {
      inFeatures: host.inFeatures,
      outFeatures: host.outFeatures,
      paddedInFeatures: host.paddedInFeatures,
      groupCount: host.groupCount,
      gatherIndex: upload('gather', host.gatherIndex),
      groupTable: upload('groups', host.groupTable),
      parts: host.parts.map((part, index) => ({
        colOffset: part.colOffset,
        cols: part.cols,
        stride: part.stride,
        qWeight: upload(`q_weight[${index}]`, part.qWeight),
        qScale: upload(`q_scale[${index}]`, part.qScale),
        bias: part.bias === undefined ? undefined : upload(`bias[${index}]`, part.bias),
      })),
    };
  } catch (error) {
    for (const buffer of created) context.destroyBuffer(buffer);
    throw error;
  }
}

/**
 * Records `out[0..rows) = x[0..rows) @ W`: one gather of the activation into stored-row order
 * (`scratch` must hold `rows * paddedInFeatures` floats), then one product dispatch per column slice.
 * With `splits` > 1 ({@link exl2SplitCount}) the products write partial sums to `partials`
 * (`splits * rows * outCols` floats) and one more dispatch adds them into `out`.
 */
export function recordExl2Matmul(
  context: GpuContext,
  layout: Exl2GpuLayout,
  x: GPUBuffer,
  xCols: number,
  scratch: GPUBuffer,
  out: GPUBuffer,
  outCols: number,
  rows: number,
  split: { splits: number; partials: GPUBuffer } | undefined,
): void {
  const splits = split?.splits ?? 1;
  const target = split === undefined ? out : split.partials;
  const gather = context.params(3);
  gather.u32[0] = rows;
  gather.u32[1] = layout.paddedInFeatures;
  gather.u32[2] = xCols;
  const gatherGroups = Math.ceil((rows * layout.paddedInFeatures) / EXL2_GATHER_WORKGROUP_SIZE);
  context.dispatch(exl2GatherKernel, {}, gather, [x, layout.gatherIndex, scratch], gatherGroups);

  const rowTile = rows === 1 ? 1 : EXL2_PREFILL_ROW_TILE;
  for (const part of layout.parts) {
    const columnGroups = Math.ceil(part.cols / EXL2_COLUMNS_PER_WORKGROUP);
    const params = context.params(9);
    params.u32[0] = rows;
    params.u32[1] = layout.paddedInFeatures;
    params.u32[2] = outCols;
    params.u32[3] = part.colOffset;
    params.u32[4] = part.cols;
    params.u32[5] = part.stride;
    params.u32[6] = layout.groupCount;
    params.u32[7] = columnGroups;
    params.u32[8] = splits;
    const hasBias = part.bias !== undefined;
    const buffers = [scratch, part.qWeight, part.qScale, layout.groupTable];
    if (part.bias) buffers.push(part.bias);
    buffers.push(target);
    context.dispatch(
      exl2MatmulKernel,
      { rowTile, hasBias },
      params,
      buffers,
      columnGroups * splits * Math.ceil(rows / rowTile),
    );
  }

  if (split !== undefined) {
    const sum = context.params(2);
    sum.u32[0] = rows * outCols;
    sum.u32[1] = splits;
    const workgroups = Math.ceil((rows * outCols) / SPLIT_SUM_WORKGROUP_SIZE);
    context.dispatch(splitSumKernel, {}, sum, [split.partials, out], workgroups);
  }
}
