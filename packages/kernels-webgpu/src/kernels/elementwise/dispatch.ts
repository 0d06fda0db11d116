import type { GpuContext } from '../../gpu/context.js';
import {
  ELEMENTWISE_WORKGROUP_SIZE,
  type ElementwiseAlias,
  type ElementwiseOp,
  elementwiseKernel,
} from './kernel.js';

/** Records `out[i] = op(a[i], b[i])` for the first `count` elements; `out` may be `a` and/or `b`. */
export function recordElementwise(
  context: GpuContext,
  op: ElementwiseOp,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  count: number,
): void {
  let alias: ElementwiseAlias = 'none';
  if (out === a && out === b) alias = 'ab';
  else if (out === a) alias = 'a';
  else if (out === b) alias = 'b';

  // An aliased operand is read through the output binding (see ElementwiseAlias).
  const buffers =
    alias === 'none' ? [a, b, out] : alias === 'a' ? [out, b] : alias === 'b' ? [a, out] : [out];
  const params = context.params(1);
  params.u32[0] = count;
  context.dispatch(
    elementwiseKernel,
    { op, alias },
    params,
    buffers,
    Math.ceil(count / ELEMENTWISE_WORKGROUP_SIZE),
  );
}
