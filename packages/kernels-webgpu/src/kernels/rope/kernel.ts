import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Spec of {@link ropeKernel}; it has no variants. */
export type RopeSpec = Record<string, never>;

/** Invocations per workgroup; each rotates one pair of one head of one row. */
export const ROPE_WORKGROUP_SIZE = 256;

/**
 * Rotate-half RoPE in place: feature i of a head pairs with feature i + headDim/2. Angles come from a
 * precomputed table of `(cos, sin)` pairs, `table[(position * half + i) * 2 + {0, 1}]`, so the kernel
 * never evaluates trigonometry on large arguments, where GPU `sin`/`cos` lose precision.
 */
export const ropeKernel: Kernel<RopeSpec> = {
  name: 'rope',
  bindings: () => ['read_write', 'read'],
  wgsl() {
    const bindings = [
      { name: 'x', access: 'read_write' as const, type: 'array<f32>' },
      { name: 'table', access: 'read' as const, type: 'array<vec2<f32>>' },
    ];
    const fields = '  rows: u32,\n  cols: u32,\n  numHeads: u32,\n  headDim: u32,\n  startPosition: u32,';
    return `${wgslHeader(fields, bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${ROPE_WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let half = params.headDim / 2u;
  let index = workgroupIndex(wid, groups) * ${ROPE_WORKGROUP_SIZE}u + lid;
  if (index >= params.rows * params.numHeads * half) {
    return;
  }
  let i = index % half;
  let head = (index / half) % params.numHeads;
  let row = index / (half * params.numHeads);
  let angle = table[(params.startPosition + row) * half + i];
  let first = row * params.cols + head * params.headDim + i;
  let x1 = x[first];
  let x2 = x[first + half];
  x[first] = x1 * angle.x - x2 * angle.y;
  x[first + half] = x2 * angle.x + x1 * angle.y;
}
`;
  },
};
