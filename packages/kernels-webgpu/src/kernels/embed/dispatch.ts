import { PARAM_BLOCK_BYTES } from '../../gpu/constants.js';
import type { GpuContext } from '../../gpu/context.js';
import { embedKernel } from './kernel.js';

/** One buffer of an embedding table: rows `[firstRow, firstRow + rows)`. */
export interface EmbeddingPart {
  buffer: GPUBuffer;
  firstRow: number;
  rows: number;
}

/** Layout of an uploaded embedding table. */
export interface EmbeddingLayout {
  dtype: 'f32' | 'f16';
  dim: number;
  /** 32-bit words per row in the buffers. */
  rowWords: number;
  parts: readonly EmbeddingPart[];
}

/** Header words before the pair list in the parameter block. */
const HEADER_WORDS = 4;
/** Tokens per dispatch that fit in one parameter block. */
const MAX_TOKENS_PER_DISPATCH = (PARAM_BLOCK_BYTES / 4 - HEADER_WORDS) / 2;

/**
 * Records `out[r] = table[tokens[r]]`. Tokens are grouped by the table part that contains them. Ids must
 * already be validated against the vocabulary size.
 */
export function recordEmbed(
  context: GpuContext,
  table: EmbeddingLayout,
  tokens: Int32Array,
  out: GPUBuffer,
  outCols: number,
): void {
  for (const part of table.parts) {
    const pairs: number[] = [];
    tokens.forEach((token, row) => {
      if (token >= part.firstRow && token < part.firstRow + part.rows) pairs.push(row, token - part.firstRow);
    });
    for (let start = 0; start < pairs.length / 2; start += MAX_TOKENS_PER_DISPATCH) {
      const count = Math.min(MAX_TOKENS_PER_DISPATCH, pairs.length / 2 - start);
      const params = context.params(HEADER_WORDS + 2 * count);
      params.u32[0] = count;
      params.u32[1] = table.dim;
      params.u32[2] = outCols;
      params.u32[3] = table.rowWords;
      params.u32.set(pairs.slice(2 * start, 2 * (start + count)), HEADER_WORDS);
      context.dispatch(embedKernel, { dtype: table.dtype }, params, [part.buffer, out], count);
    }
  }
}
