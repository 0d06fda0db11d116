import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Spec of {@link denseMatmulKernel}. */
export interface DenseMatmulSpec {
  /** Weight storage: f32 values, or fp16 pairs of adjacent output features packed in 32-bit words. */
  dtype: 'f32' | 'f16';
  /** Activation rows that share each weight read (1 for decode, more for prefill). */
  rowTile: number;
  /** Invocations per column, each summing every `slices`-th input feature: 1 to 8. */
  slices: number;
  /**
   * Multiplies fp16 weights by the activation in native f16 (`shader-f16`) and sums in f32. Only for
   * `dtype: 'f16'`.
   */
  nativeF16: boolean;
}

/** Weight words (columns) per workgroup; adjacent invocations read adjacent words of a weight row. */
export const DENSE_COLUMNS_PER_WORKGROUP = 32;
/** Maximum invocations per column. */
export const DENSE_MAX_SLICES = 8;

/**
 * Unquantized product on weights transposed at upload to input-major `[K, N]`, `y[m, n] = Σ_k x[m, k] ·
 * W[k, n]`, with the same shape as the EXL2 kernel: an invocation owns one weight word column (one
 * output feature for f32, two for fp16) and one of up to 8 slices of K; slices are summed in workgroup
 * memory, so each workgroup meets a single barrier. fp16 weights are widened with `unpack2x16float`.
 */
export const denseMatmulKernel: Kernel<DenseMatmulSpec> = {
  name: 'dense-matmul',
  bindings: () => ['read', 'read', 'read_write'],
  wgsl(spec) {
    const tile = spec.rowTile;
    const cols = DENSE_COLUMNS_PER_WORKGROUP;
    const slices = spec.slices;
    const half = spec.dtype === 'f16';
    const bindings = [
      { name: 'x', access: 'read' as const, type: 'array<f32>' },
      { name: 'weight', access: 'read' as const, type: half ? 'array<u32>' : 'array<f32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
    ];
    const fields = [
      '  rows: u32,',
      '  inFeatures: u32,',
      '  outCols: u32,',
      '  colOffset: u32,',
      '  partCols: u32,',
      '  stride: u32,',
      '  columnGroups: u32,',
    ].join('\n');
    const accType = half ? 'vec2<f32>' : 'f32';
    const load = half
      ? 'unpack2x16float(weight[k * params.stride + word])'
      : 'weight[k * params.stride + word]';
    // NOTE: the native f16 form has never run: SwiftShader, the only adapter in CI, lacks shader-f16.
    // It is selected only on adapters that have the feature and reports precision 'f16', so the
    // conformance suite judges it with the f16 tolerances.
    const native = half && spec.nativeF16;
    const product = native
      ? 'vec2<f32>(bitcast<vec2<f16>>(weight[k * params.stride + word]) * f16(x[xRow[r] + k]))'
      : 'w * x[xRow[r] + k]';
    const write = half
      ? `      let first = 2u * word;
      result[row * params.outCols + params.colOffset + first] = sum.x;
      if (first + 1u < params.partCols) {
        result[row * params.outCols + params.colOffset + first + 1u] = sum.y;
      }`
      : '      result[row * params.outCols + params.colOffset + word] = sum;';
    return `${native ? 'enable f16;\n' : ''}${wgslHeader(fields, bindings)}
${WGSL_WORKGROUP_INDEX}

var<workgroup> partial: array<${accType}, ${cols * slices * tile}>;

@compute @workgroup_size(${cols}, ${slices})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let linear = workgroupIndex(wid, groups);
  let columnGroup = linear % params.columnGroups;
  let rowBase = (linear / params.columnGroups) * ${tile}u;
  let word = columnGroup * ${cols}u + lid.x;
  let slice = lid.y;
  let inRange = word < params.stride && rowBase < params.rows;
  var xRow: array<u32, ${tile}>;
  var acc: array<${accType}, ${tile}>;
  for (var r = 0u; r < ${tile}u; r++) {
    xRow[r] = min(rowBase + r, params.rows - 1u) * params.inFeatures;
    acc[r] = ${accType}(0.0);
  }
  if (inRange) {
    for (var k = slice; k < params.inFeatures; k += ${slices}u) {
      ${native ? '' : `let w = ${load};`}
      for (var r = 0u; r < ${tile}u; r++) {
        acc[r] += ${product};
      }
    }
  }
  for (var r = 0u; r < ${tile}u; r++) {
    partial[(r * ${slices}u + slice) * ${cols}u + lid.x] = acc[r];
  }
  workgroupBarrier();
  if (slice != 0u || !inRange) {
    return;
  }
  for (var r = 0u; r < ${tile}u; r++) {
    let row = rowBase + r;
    if (row < params.rows) {
      var sum = ${accType}(0.0);
      for (var s = 0u; s < ${slices}u; s++) {
        sum += partial[(r * ${slices}u + s) * ${cols}u + lid.x];
      }
${write}
    }
  }
}
`;
  },
};
