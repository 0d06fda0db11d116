import type { GpuContext } from '../../gpu/context.js';
import {
  ATTENTION_CHUNK,
  attentionCombineKernel,
  attentionPartialKernel,
  KV_STORE_WORKGROUP_SIZE,
  kvStoreKernel,
} from './kernel.js';

/** Shape of one {@link recordAttention} call. */
export interface AttentionDispatch {
  dtype: 'f32' | 'f16';
  rows: number;
  startPosition: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
}

/** Number of position chunks the longest query row of a call spans. */
export function attentionSplits(startPosition: number, rows: number): number {
  return Math.ceil((startPosition + rows) / ATTENTION_CHUNK);
}

/** Floats of partial results one call needs in its scratch buffer. */
export function attentionScratchFloats(shape: AttentionDispatch): number {
  return shape.rows * shape.numHeads * attentionSplits(shape.startPosition, shape.rows) * (shape.headDim + 2);
}

/**
 * Records the cache store of `rows` key/value rows, then causal attention of `q` over every cached
 * position up to each row's own, into `out`. `scratch` must hold {@link attentionScratchFloats} floats.
 */
export function recordAttention(
  context: GpuContext,
  shape: AttentionDispatch,
  buffers: {
    q: GPUBuffer;
    k: GPUBuffer;
    v: GPUBuffer;
    keys: GPUBuffer;
    values: GPUBuffer;
    scratch: GPUBuffer;
    out: GPUBuffer;
  },
): void {
  const spec = { dtype: shape.dtype };
  const kvCols = shape.numKvHeads * shape.headDim;

  const store = context.params(3);
  store.u32[0] = shape.rows;
  store.u32[1] = shape.startPosition;
  store.u32[2] = kvCols;
  const pairs = (shape.rows * kvCols) / 2;
  context.dispatch(
    kvStoreKernel,
    spec,
    store,
    [buffers.k, buffers.v, buffers.keys, buffers.values],
    Math.ceil(pairs / KV_STORE_WORKGROUP_SIZE),
  );

  const splits = attentionSplits(shape.startPosition, shape.rows);
  const writeParams = () => {
    const params = context.params(7);
    params.u32[0] = shape.rows;
    params.u32[1] = shape.startPosition;
    params.u32[2] = shape.numHeads;
    params.u32[3] = shape.numKvHeads;
    params.u32[4] = shape.headDim;
    params.u32[5] = splits;
    params.f32[6] = 1 / Math.sqrt(shape.headDim);
    return params;
  };
  context.dispatch(
    attentionPartialKernel,
    spec,
    writeParams(),
    [buffers.q, buffers.keys, buffers.values, buffers.scratch],
    shape.rows * shape.numHeads * splits,
  );
  context.dispatch(
    attentionCombineKernel,
    {},
    writeParams(),
    [buffers.scratch, buffers.out],
    shape.rows * shape.numHeads,
  );
}
