import type { DenseWeightData } from '@minichat/runtime';
import { WebGpuCapacityError } from '../../errors.js';
import type { GpuContext } from '../../gpu/context.js';
import { DENSE_COLUMNS_PER_WORKGROUP, DENSE_MAX_SLICES, denseMatmulKernel } from './kernel.js';
import { transposeF16, transposeF32 } from './transpose.js';

/** Activation rows that share each weight read in the prefill form of the kernel. */
export const DENSE_PREFILL_ROW_TILE = 8;

/** One uploaded slice of output features `[colOffset, colOffset + cols)`, input-major. */
export interface DenseGpuPart {
  colOffset: number;
  cols: number;
  /** Words per weight row of the slice. */
  stride: number;
  buffer: GPUBuffer;
}

/** A dense layer on the device. */
export interface DenseGpuLayout {
  dtype: 'f32' | 'f16';
  /** Whether fp16 products use native f16 arithmetic. */
  nativeF16: boolean;
  inFeatures: number;
  outFeatures: number;
  parts: DenseGpuPart[];
}

/**
 * Uploads a dense layer (already validated), transposed to input-major order and split by output
 * features so each part fits one storage binding.
 */
export function uploadDense(context: GpuContext, data: DenseWeightData, nativeF16: boolean): DenseGpuLayout {
  const { inFeatures, outFeatures, dtype } = data;
  // Columns per part: an even number, so fp16 pairs never straddle two parts.
  const bytesPerColumn = inFeatures * (dtype === 'f32' ? 4 : 2);
  const colsPerPart = Math.floor(context.maxBindingBytes / bytesPerColumn / 2) * 2;
  if (colsPerPart < 2) {
    throw new WebGpuCapacityError(
      `${data.name} weight column`,
      2 * bytesPerColumn,
      context.maxBindingBytes,
      'two weight columns exceed maxStorageBufferBindingSize; use a device with a larger limit',
    );
  }
  const parts: DenseGpuPart[] = [];
  try {
    for (let colOffset = 0; colOffset < outFeatures; colOffset += colsPerPart) {
      const cols = Math.min(colsPerPart, outFeatures - colOffset);
      // NOTE: the transposition runs on the host, about one second per billion weights in Node 20;
      // a GPU transpose would load large unquantized models faster.
      const host =
        dtype === 'f32'
          ? transposeF32(data.data as Float32Array, inFeatures, colOffset, cols)
          : transposeF16(data.data as Uint16Array, inFeatures, colOffset, cols);
      const stride = dtype === 'f32' ? cols : Math.ceil(cols / 2);
      const buffer = context.createStorageBuffer(`${data.name}[${parts.length}]`, host.byteLength);
      parts.push({ colOffset, cols, stride, buffer });
      context.write(buffer, 0, host);
    }
  } catch (error) {
    for (const part of parts) context.destroyBuffer(part.buffer);
    throw error;
  }
  return { dtype, nativeF16: nativeF16 && dtype === 'f16', inFeatures, outFeatures, parts };
}

/** Records `out[0..rows) = x[0..rows) @ W` for a dense layer. */
export function recordDenseMatmul(
  context: GpuContext,
  layout: DenseGpuLayout,
  x: GPUBuffer,
  out: GPUBuffer,
  outCols: number,
  rows: number,
): void {
  const rowTile = rows === 1 ? 1 : DENSE_PREFILL_ROW_TILE;
  // One slice per 256 input features: small layers skip the cross-slice sum, whose barrier costs more
  // than the work on software rasterizers.
  const slices = Math.min(DENSE_MAX_SLICES, Math.ceil(layout.inFeatures / 256));
  for (const part of layout.parts) {
    const columnGroups = Math.ceil(part.stride / DENSE_COLUMNS_PER_WORKGROUP);
    const params = context.params(7);
    params.u32[0] = rows;
    params.u32[1] = layout.inFeatures;
    params.u32[2] = outCols;
    params.u32[3] = part.colOffset;
    params.u32[4] = part.cols;
    params.u32[5] = part.stride;
    params.u32[6] = columnGroups;
    context.dispatch(
      denseMatmulKernel,
      { dtype: layout.dtype, rowTile, slices, nativeF16: layout.nativeF16 },
      params,
      [x, part.buffer, out],
      columnGroups * Math.ceil(rows / rowTile),
    );
  }
}
