import type { DenseWeightData, EmbeddingData, LinearWeightData } from '@minichat/runtime';
import { WebGpuCapacityError, WebGpuInvalidArgumentError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { packHalfRows } from '../half.js';
import { type DenseGpuLayout, uploadDense } from '../kernels/dense-matmul/dispatch.js';
import type { EmbeddingLayout, EmbeddingPart } from '../kernels/embed/dispatch.js';
import { type Exl2GpuLayout, uploadExl2 } from '../kernels/exl2-matmul/dispatch.js';
import { prepareExl2 } from '../kernels/exl2-matmul/prepare.js';
import { checkEqual, checkInteger } from './validate.js';

/**
 * Uploads an embedding table, split by rows into parts that each fit one storage binding (MiniChat's
 * fp16 table is about 302 MB, more than the 128 MiB many phones allow). fp16 rows are packed two values
 * to a word.
 */
export function uploadEmbeddingTable(
  context: GpuContext,
  data: EmbeddingData,
  label: string,
): EmbeddingLayout {
  const op = 'uploadEmbedding';
  checkInteger(op, 'vocabSize', data.vocabSize, 1, 2 ** 24);
  checkInteger(op, 'dim', data.dim, 1, 2 ** 20);
  const expected = data.dtype === 'f16' ? Uint16Array : Float32Array;
  if (!(data.data instanceof expected)) {
    throw new WebGpuInvalidArgumentError(
      `${op} data`,
      data.data?.constructor?.name,
      `expected a ${expected.name} for dtype ${data.dtype}`,
    );
  }
  checkEqual(op, 'data.length', data.data.length, data.vocabSize * data.dim, 'vocabSize * dim');

  const rowWords = data.dtype === 'f32' ? data.dim : Math.ceil(data.dim / 2);
  const rowsPerPart = Math.floor(context.maxBindingBytes / (rowWords * 4));
  if (rowsPerPart < 1) {
    throw new WebGpuCapacityError(
      `${label} row`,
      rowWords * 4,
      context.maxBindingBytes,
      'use a device with a larger maxStorageBufferBindingSize',
    );
  }
  const parts: EmbeddingPart[] = [];
  try {
    for (let firstRow = 0; firstRow < data.vocabSize; firstRow += rowsPerPart) {
      const rows = Math.min(rowsPerPart, data.vocabSize - firstRow);
      const buffer = context.createStorageBuffer(`${label}[${parts.length}]`, rows * rowWords * 4);
      parts.push({ buffer, firstRow, rows });
      const host =
        data.dtype === 'f32'
          ? (data.data as Float32Array<ArrayBuffer>).subarray(
              firstRow * data.dim,
              (firstRow + rows) * data.dim,
            )
          : packHalfRows(data.data as Uint16Array, rows, data.dim, firstRow);
      context.write(buffer, 0, host);
    }
  } catch (error) {
    for (const part of parts) context.destroyBuffer(part.buffer);
    throw error;
  }
  return { dtype: data.dtype, dim: data.dim, rowWords, parts };
}

function validateDense(data: DenseWeightData): void {
  const op = `uploadLinear ${data.name}`;
  checkInteger(op, 'inFeatures', data.inFeatures, 1, 2 ** 24);
  checkInteger(op, 'outFeatures', data.outFeatures, 1, 2 ** 24);
  const expected = data.dtype === 'f16' ? Uint16Array : Float32Array;
  if (!(data.data instanceof expected)) {
    throw new WebGpuInvalidArgumentError(
      `${op} data`,
      data.data?.constructor?.name,
      `expected a ${expected.name} for dtype ${data.dtype}`,
    );
  }
  checkEqual(
    op,
    'data.length',
    data.data.length,
    data.inFeatures * data.outFeatures,
    'outFeatures * inFeatures',
  );
}

/** Validates and uploads a linear layer in the layout its kernel reads. */
export function uploadLinearWeight(
  context: GpuContext,
  data: LinearWeightData,
  nativeF16: boolean,
): { kind: 'exl2'; exl2: Exl2GpuLayout } | { kind: 'dense'; dense: DenseGpuLayout } {
  if (data.kind === 'dense') {
    validateDense(data);
    return { kind: 'dense', dense: uploadDense(context, data, nativeF16) };
  }
  if (data.kind !== 'exl2') {
    throw new WebGpuInvalidArgumentError(
      'uploadLinear kind',
      (data as { kind: unknown }).kind,
      "expected 'exl2' or 'dense'",
    );
  }
  const host = prepareExl2(data, context.maxBindingBytes);
  return { kind: 'exl2', exl2: uploadExl2(context, data.name, host) };
}
