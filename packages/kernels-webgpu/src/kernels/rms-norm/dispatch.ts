import type { GpuContext } from '../../gpu/context.js';
import { rmsNormKernel } from './kernel.js';

/** Records RMSNorm of the first `rows` rows of `x` (row width `cols`) into `out`, which may be `x`. */
export function recordRmsNorm(
  context: GpuContext,
  x: GPUBuffer,
  weight: GPUBuffer,
  eps: number,
  out: GPUBuffer,
  rows: number,
  cols: number,
): void {
  const inPlace = x === out;
  const params = context.params(3);
  params.u32[0] = rows;
  params.u32[1] = cols;
  params.f32[2] = eps;
  context.dispatch(rmsNormKernel, { inPlace }, params, inPlace ? [out, weight] : [x, weight, out], rows);
}
