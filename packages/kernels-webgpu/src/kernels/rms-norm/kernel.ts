import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Spec of {@link rmsNormKernel}. */
export interface RmsNormSpec {
  /** Whether the output is the input buffer (normalised in place). */
  inPlace: boolean;
}

/** Invocations per workgroup; one workgroup normalises one row. */
export const RMS_NORM_WORKGROUP_SIZE = 256;

/** `out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight`; one workgroup per row. */
export const rmsNormKernel: Kernel<RmsNormSpec> = {
  name: 'rms-norm',
  bindings: (spec) => (spec.inPlace ? ['read_write', 'read'] : ['read', 'read', 'read_write']),
  wgsl(spec) {
    const bindings = spec.inPlace
      ? [
          { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
          { name: 'weight', access: 'read' as const, type: 'array<f32>' },
        ]
      : [
          { name: 'x', access: 'read' as const, type: 'array<f32>' },
          { name: 'weight', access: 'read' as const, type: 'array<f32>' },
          { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
        ];
    const input = spec.inPlace ? 'result' : 'x';
    const size = RMS_NORM_WORKGROUP_SIZE;
    return `${wgslHeader('  rows: u32,\n  cols: u32,\n  eps: f32,', bindings)}
${WGSL_WORKGROUP_INDEX}

var<workgroup> partial: array<f32, ${size}>;

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = workgroupIndex(wid, groups);
  if (row >= params.rows) {
    return;
  }
  let base = row * params.cols;
  var sum = 0.0;
  for (var c = lid; c < params.cols; c += ${size}u) {
    let v = ${input}[base + c];
    sum += v * v;
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let scale = 1.0 / sqrt(partial[0] / f32(params.cols) + params.eps);
  for (var c = lid; c < params.cols; c += ${size}u) {
    result[base + c] = ${input}[base + c] * scale * weight[c];
  }
}
`;
  },
};
