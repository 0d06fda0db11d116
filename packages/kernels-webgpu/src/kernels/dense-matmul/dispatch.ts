import type { DenseWeightData } from '@minichat/runtime';
import { WebGpuCapacityError } from '../../errors.js';
import type { GpuContext } from '../../gpu/context.js';
import { packHalfRows } from '../../half.js';
import { denseMatmulKernel } from './kernel.js';

/** Activation rows that share each weight read in the prefill form of the kernel. */
export const DENSE_PREFILL_ROW_TILE = 8;

/** One uploaded slice of output features `[colOffset, colOffset + cols)`. */
export interface DenseGpuPart {
  colOffset: number;
  cols: number;
  buffer: GPUBuffer;
}

/** A dense layer on the device. */
export interface DenseGpuLayout {
  dtype: 'f32' | 'f16';
  inFeatures: number;
  outFeatures: number;
  /** 32-bit words per weight row. */
  rowWords: number;
  parts: DenseGpuPart[];
}

/**
 * Uploads a dense layer (already validated), split by output features so each part fits one storage
 * binding. fp16 rows are packed two values to a word.
 */
export function uploadDense(context: GpuContext, data: DenseWeightData): DenseGpuLayout {
  const { inFeatures, outFeatures, dtype } = data;
  const rowWords = dtype === 'f32' ? inFeatures : Math.ceil(inFeatures / 2);
  const rowBytes = rowWords * 4;
  const rowsPerPart = Math.floor(context.maxBindingBytes / rowBytes);
  if (rowsPerPart < 1) {
    throw new WebGpuCapacityError(
      `${data.name} weight row`,
      rowBytes,
      context.maxBindingBytes,
      'one weight row exceeds maxStorageBufferBindingSize; use a device with a larger limit',
    );
  }
  const parts: DenseGpuPart[] = [];
  for (let colOffset = 0; colOffset < outFeatures; colOffset += rowsPerPart) {
    const cols = Math.min(rowsPerPart, outFeatures - colOffset);
    const buffer = context.createStorageBuffer(`${data.name}[${parts.length}]`, cols * rowBytes);
    const host =
      dtype === 'f32'
        ? (data.data as Float32Array<ArrayBuffer>).subarray(
            colOffset * inFeatures,
            (colOffset + cols) * inFeatures,
          )
        : packHalfRows(data.data as Uint16Array, cols, inFeatures, colOffset);
    context.write(buffer, 0, host);
    parts.push({ colOffset, cols, buffer });
  }
  return { dtype, inFeatures, outFeatures, rowWords, parts };
}

/** Records `out[0..rows) = x[0..rows) @ Wᵀ` for a dense layer. */
export function recordDenseMatmul(
  context: GpuContext,
  layout: DenseGpuLayout,
  x: GPUBuffer,
  out: GPUBuffer,
  outCols: number,
  rows: number,
): void {
  const rowTile = rows === 1 ? 1 : DENSE_PREFILL_ROW_TILE;
  for (const part of layout.parts) {
    const params = context.params(6);
    params.u32[0] = rows;
    params.u32[1] = layout.inFeatures;
    params.u32[2] = outCols;
    params.u32[3] = part.colOffset;
    params.u32[4] = part.cols;
    params.u32[5] = layout.rowWords;
    context.dispatch(
      denseMatmulKernel,
      { dtype: layout.dtype, rowTile },
      params,
      [x, part.buffer, out],
      part.cols * Math.ceil(rows / rowTile),
    );
  }
}
