import type { GpuContext } from '../../gpu/context.js';
import { ROPE_WORKGROUP_SIZE, ropeKernel } from './kernel.js';

/** Shape of one {@link recordRope} call. */
export interface RopeDispatch {
  rows: number;
  cols: number;
  numHeads: number;
  headDim: number;
  startPosition: number;
}

/** Records rotate-half RoPE of the first `rows` rows of `x` in place, reading angles from `table`. */
export function recordRope(context: GpuContext, x: GPUBuffer, table: GPUBuffer, shape: RopeDispatch): void {
  const params = context.params(5);
  params.u32[0] = shape.rows;
  params.u32[1] = shape.cols;
  params.u32[2] = shape.numHeads;
  params.u32[3] = shape.headDim;
  params.u32[4] = shape.startPosition;
  const invocations = shape.rows * shape.numHeads * (shape.headDim / 2);
  context.dispatch(ropeKernel, {}, params, [x, table], Math.ceil(invocations / ROPE_WORKGROUP_SIZE));
}
