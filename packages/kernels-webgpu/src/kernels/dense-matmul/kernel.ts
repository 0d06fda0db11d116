import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Spec of {@link denseMatmulKernel}. */
export interface DenseMatmulSpec {
  /** Weight storage: f32 values, or fp16 pairs packed in 32-bit words. */
  dtype: 'f32' | 'f16';
  /** Activation rows that share each weight read (1 for decode, more for prefill). */
  rowTile: number;
}

/** Invocations per workgroup; together they walk one weight row (one output feature). */
export const DENSE_WORKGROUP_SIZE = 64;

/**
 * Unquantized product with weights in PyTorch orientation, `y[m, n] = Σ_k x[m, k] · W[n, k]`.
 * One workgroup computes one output feature for `rowTile` rows: its invocations read adjacent words of
 * the weight row (coalesced) and the partial sums are reduced in workgroup memory. fp16 weights are
 * widened with `unpack2x16float` and multiplied in f32.
 */
export const denseMatmulKernel: Kernel<DenseMatmulSpec> = {
  name: 'dense-matmul',
  bindings: () => ['read', 'read', 'read_write'],
  wgsl(spec) {
    const tile = spec.rowTile;
    const size = DENSE_WORKGROUP_SIZE;
    const bindings = [
      { name: 'x', access: 'read' as const, type: 'array<f32>' },
      { name: 'weight', access: 'read' as const, type: spec.dtype === 'f32' ? 'array<f32>' : 'array<u32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
    ];
    const fields = [
      '  rows: u32,',
      '  inFeatures: u32,',
      '  outCols: u32,',
      '  colOffset: u32,',
      '  partCols: u32,',
      '  rowWords: u32,',
    ].join('\n');
    const body =
      spec.dtype === 'f32'
        ? `    for (var k = lid; k < params.inFeatures; k += ${size}u) {
      let w = weight[wBase + k];
      for (var r = 0u; r < ${tile}u; r++) {
        acc[r] += w * x[xRow[r] + k];
      }
    }`
        : `    for (var word = lid; word < params.rowWords; word += ${size}u) {
      let w = unpack2x16float(weight[wBase + word]);
      let k = 2u * word;
      let hasSecond = k + 1u < params.inFeatures;
      for (var r = 0u; r < ${tile}u; r++) {
        let second = select(0.0, x[xRow[r] + min(k + 1u, params.inFeatures - 1u)], hasSecond);
        acc[r] += w.x * x[xRow[r] + k] + w.y * second;
      }
    }`;
    return `${wgslHeader(fields, bindings)}
${WGSL_WORKGROUP_INDEX}

var<workgroup> partial: array<f32, ${size * tile}>;

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let linear = workgroupIndex(wid, groups);
  let n = linear % params.partCols;
  let rowBase = (linear / params.partCols) * ${tile}u;
  if (rowBase >= params.rows) {
    return;
  }
  var xRow: array<u32, ${tile}>;
  for (var r = 0u; r < ${tile}u; r++) {
    xRow[r] = min(rowBase + r, params.rows - 1u) * params.inFeatures;
  }
  let wBase = n * params.rowWords;
  var acc: array<f32, ${tile}>;
${body}
  for (var r = 0u; r < ${tile}u; r++) {
    partial[r * ${size}u + lid] = acc[r];
  }
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      for (var r = 0u; r < ${tile}u; r++) {
        partial[r * ${size}u + lid] += partial[r * ${size}u + lid + stride];
      }
    }
    workgroupBarrier();
  }
  if (lid < ${tile}u && rowBase + lid < params.rows) {
    result[(rowBase + lid) * params.outCols + params.colOffset + n] = partial[lid * ${size}u];
  }
}
`;
  },
};
