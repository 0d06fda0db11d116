import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Spec of {@link embedKernel}. */
export interface EmbedSpec {
  /** Storage of the table: f32 values, or fp16 pairs packed in 32-bit words. */
  dtype: 'f32' | 'f16';
}

/** Invocations per workgroup; one workgroup copies one token's row. */
export const EMBED_WORKGROUP_SIZE = 64;

/**
 * Embedding gather from one part of a table. The parameter block lists `count` pairs
 * `(output row, row inside this part)`, so a table split over several buffers is gathered with one
 * dispatch per part that holds at least one of the tokens.
 */
export const embedKernel: Kernel<EmbedSpec> = {
  name: 'embed',
  bindings: () => ['read', 'read_write'],
  wgsl(spec) {
    const bindings = [
      { name: 'table', access: 'read' as const, type: spec.dtype === 'f32' ? 'array<f32>' : 'array<u32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
    ];
    const fields =
      '  count: u32,\n  dim: u32,\n  outCols: u32,\n  rowWords: u32,\n  pairs: array<vec2<u32>>,';
    const read = spec.dtype === 'f32' ? 'table[base + c]' : 'unpack2x16float(table[base + c / 2u])[c % 2u]';
    return `${wgslHeader(fields, bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${EMBED_WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let token = workgroupIndex(wid, groups);
  if (token >= params.count) {
    return;
  }
  let pair = params.pairs[token];
  let base = pair.y * params.rowWords;
  let outBase = pair.x * params.outCols;
  for (var c = lid; c < params.dim; c += ${EMBED_WORKGROUP_SIZE}u) {
    result[outBase + c] = ${read};
  }
}
`;
  },
};
