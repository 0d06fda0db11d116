import type { GpuContext } from '../../gpu/context.js';
import {
  EXL2_COLUMNS_PER_WORKGROUP,
  EXL2_GATHER_WORKGROUP_SIZE,
  exl2GatherKernel,
  exl2MatmulKernel,
} from './kernel.js';
import type { Exl2HostLayout } from './prepare.js';

/** Activation rows that share each decoded weight word in the prefill form of the kernel. */
export const EXL2_PREFILL_ROW_TILE = 8;

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
): void {
  const gather = context.params(3);
  gather.u32[0] = rows;
  gather.u32[1] = layout.paddedInFeatures;
  gather.u32[2] = xCols;
  const gatherGroups = Math.ceil((rows * layout.paddedInFeatures) / EXL2_GATHER_WORKGROUP_SIZE);
  context.dispatch(exl2GatherKernel, {}, gather, [x, layout.gatherIndex, scratch], gatherGroups);

  const rowTile = rows === 1 ? 1 : EXL2_PREFILL_ROW_TILE;
  for (const part of layout.parts) {
    const columnGroups = Math.ceil(part.cols / EXL2_COLUMNS_PER_WORKGROUP);
    const params = context.params(8);
    params.u32[0] = rows;
    params.u32[1] = layout.paddedInFeatures;
    params.u32[2] = outCols;
    params.u32[3] = part.colOffset;
    params.u32[4] = part.cols;
    params.u32[5] = part.stride;
    params.u32[6] = layout.groupCount;
    params.u32[7] = columnGroups;
    const hasBias = part.bias !== undefined;
    const buffers = [scratch, part.qWeight, part.qScale, layout.groupTable];
    if (part.bias) buffers.push(part.bias);
    buffers.push(out);
    context.dispatch(
      exl2MatmulKernel,
      { rowTile, hasBias },
      params,
      buffers,
      columnGroups * Math.ceil(rows / rowTile),
    );
  }
}
