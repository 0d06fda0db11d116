import { BackendUsageError } from '../../errors.js';
import type { Activation, AttentionParams, KvCacheSpec } from '../interface.js';
import { checkEqual, checkInteger } from './validate.js';

/** The activations of one {@link Backend.attention} call, checked by {@link checkAttentionArguments}. */
export interface AttentionOperands {
  /** Queries `[rows, numHeads * headDim]`. */
  q: Activation;
  /** Keys `[rows, numKvHeads * headDim]`. */
  k: Activation;
  /** Values, the same width as the keys. */
  v: Activation;
  /** Output, the same width as the queries. */
  out: Activation;
}

/**
 * Checks attention parameters against the cache they index and the widths of the activations, throwing
 * `BackendUsageError` for the first mismatch. Row counts are the caller's to check.
 */
export function checkAttentionArguments(
  rows: number,
  params: AttentionParams,
  spec: KvCacheSpec,
  operands: AttentionOperands,
): void {
  const op = 'attention';
  const { layer, startPosition, numHeads, numKvHeads, headDim } = params;
  checkInteger(op, 'params.layer', layer, 0, spec.numLayers - 1);
  checkEqual(op, 'params.numKvHeads', numKvHeads, spec.numKvHeads, 'the cache numKvHeads');
  checkEqual(op, 'params.headDim', headDim, spec.headDim, 'the cache headDim');
  checkInteger(op, 'params.numHeads', numHeads, 1, 65536);
  if (numHeads % numKvHeads !== 0) {
    throw new BackendUsageError(op, 'params.numHeads', numHeads, 'expected a multiple of numKvHeads');
  }
  checkInteger(op, 'params.startPosition', startPosition, 0, spec.maxSequenceLength - rows);
  checkEqual(op, 'q.cols', operands.q.cols, numHeads * headDim, 'numHeads * headDim');
  checkEqual(op, 'k.cols', operands.k.cols, spec.numKvHeads * spec.headDim, 'numKvHeads * headDim');
  checkEqual(op, 'v.cols', operands.v.cols, operands.k.cols, 'k.cols');
  checkEqual(op, 'out.cols', operands.out.cols, operands.q.cols, 'q.cols');
}
