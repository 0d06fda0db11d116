import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Spec of the attention kernels: the key/value cache storage. */
export interface AttentionSpec {
  /** Cache storage: f32 values, or fp16 pairs packed in 32-bit words. */
  dtype: 'f32' | 'f16';
}

/** Positions one attention workgroup scores; longer contexts are split over several workgroups. */
export const ATTENTION_CHUNK = 256;
/** Invocations per attention workgroup. */
export const ATTENTION_WORKGROUP_SIZE = 64;
/** Largest head dimension the kernels hold in workgroup memory. */
export const MAX_HEAD_DIM = 512;
/** Invocations per workgroup of the cache store. */
export const KV_STORE_WORKGROUP_SIZE = 256;

const cacheType = (spec: AttentionSpec): string => (spec.dtype === 'f32' ? 'array<f32>' : 'array<u32>');

/**
 * Writes `rows` new key and value rows at positions `startPosition..` of one layer's cache. Each
 * invocation stores one pair of features, packed to fp16 for an f16 cache.
 */
export const kvStoreKernel: Kernel<AttentionSpec> = {
  name: 'kv-store',
  bindings: () => ['read', 'read', 'read_write', 'read_write'],
  wgsl(spec) {
    const bindings = [
      { name: 'k', access: 'read' as const, type: 'array<f32>' },
      { name: 'v', access: 'read' as const, type: 'array<f32>' },
      { name: 'keys', access: 'read_write' as const, type: cacheType(spec) },
      { name: 'values', access: 'read_write' as const, type: cacheType(spec) },
    ];
    const store =
      spec.dtype === 'f32'
        ? `  keys[dst] = k[src];
  keys[dst + 1u] = k[src + 1u];
  values[dst] = v[src];
  values[dst + 1u] = v[src + 1u];`
        : `  keys[dst / 2u] = pack2x16float(vec2<f32>(k[src], k[src + 1u]));
  values[dst / 2u] = pack2x16float(vec2<f32>(v[src], v[src + 1u]));`;
    return `${wgslHeader('  rows: u32,\n  startPosition: u32,\n  kvCols: u32,', bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${KV_STORE_WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let pair = workgroupIndex(wid, groups) * ${KV_STORE_WORKGROUP_SIZE}u + lid;
  let pairsPerRow = params.kvCols / 2u;
  if (pair >= params.rows * pairsPerRow) {
    return;
  }
  let row = pair / pairsPerRow;
  let src = row * params.kvCols + 2u * (pair % pairsPerRow);
  let dst = (params.startPosition + row) * params.kvCols + 2u * (pair % pairsPerRow);
${store}
}
`;
  },
};

const ATTENTION_FIELDS = [
  '  rows: u32,',
  '  startPosition: u32,',
  '  numHeads: u32,',
  '  numKvHeads: u32,',
  '  headDim: u32,',
  '  splits: u32,',
  '  scale: f32,',
].join('\n');

/**
 * First pass of causal attention, split over the key/value length (flash-decoding): the workgroup for
 * (query row, head, chunk) scores the chunk's positions up to the row's own position, and writes the
 * chunk's maximum score, its sum of `exp(score - max)` and its unnormalised weighted sum of values to
 * `partials` (`headDim + 2` floats per workgroup). A chunk past the row's position writes an empty result.
 */
export const attentionPartialKernel: Kernel<AttentionSpec> = {
  name: 'attention-partial',
  bindings: () => ['read', 'read', 'read', 'read_write'],
  wgsl(spec) {
    const size = ATTENTION_WORKGROUP_SIZE;
    const bindings = [
      { name: 'q', access: 'read' as const, type: 'array<f32>' },
      { name: 'keys', access: 'read' as const, type: cacheType(spec) },
      { name: 'values', access: 'read' as const, type: cacheType(spec) },
      { name: 'partials', access: 'read_write' as const, type: 'array<f32>' },
    ];
    const keyDot =
      spec.dtype === 'f32'
        ? `    for (var d = 0u; d < params.headDim; d++) {
      dot += query[d] * keys[kBase + d];
    }`
        : `    for (var d = 0u; d < params.headDim; d += 2u) {
      let pair = unpack2x16float(keys[(kBase + d) / 2u]);
      dot += query[d] * pair.x + query[d + 1u] * pair.y;
    }`;
    const valueRead =
      spec.dtype === 'f32'
        ? 'values[(p * kvCols + kvOffset + d)]'
        : 'unpack2x16float(values[(p * kvCols + kvOffset + d) / 2u])[d % 2u]';
    return `${wgslHeader(ATTENTION_FIELDS, bindings)}
${WGSL_WORKGROUP_INDEX}

var<workgroup> query: array<f32, ${MAX_HEAD_DIM}>;
var<workgroup> weights: array<f32, ${ATTENTION_CHUNK}>;
var<workgroup> reduction: array<f32, ${size}>;

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = workgroupIndex(wid, groups);
  if (index >= params.rows * params.numHeads * params.splits) {
    return;
  }
  let split = index % params.splits;
  let head = (index / params.splits) % params.numHeads;
  let row = index / (params.splits * params.numHeads);
  let kvCols = params.numKvHeads * params.headDim;
  let kvOffset = (head / (params.numHeads / params.numKvHeads)) * params.headDim;
  let first = split * ${ATTENTION_CHUNK}u;
  let end = min(params.startPosition + row + 1u, first + ${ATTENTION_CHUNK}u);
  let outBase = index * (params.headDim + 2u);

  let qBase = row * params.numHeads * params.headDim + head * params.headDim;
  for (var d = lid; d < params.headDim; d += ${size}u) {
    query[d] = q[qBase + d];
  }
  workgroupBarrier();

  var localMax = -3.0e38;
  for (var p = first + lid; p < end; p += ${size}u) {
    let kBase = p * kvCols + kvOffset;
    var dot = 0.0;
${keyDot}
    let score = dot * params.scale;
    weights[p - first] = score;
    localMax = max(localMax, score);
  }
  reduction[lid] = localMax;
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      reduction[lid] = max(reduction[lid], reduction[lid + stride]);
    }
    workgroupBarrier();
  }
  let chunkMax = reduction[0];
  workgroupBarrier();

  var localSum = 0.0;
  for (var p = first + lid; p < end; p += ${size}u) {
    let weight = exp(weights[p - first] - chunkMax);
    weights[p - first] = weight;
    localSum += weight;
  }
  reduction[lid] = localSum;
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      reduction[lid] += reduction[lid + stride];
    }
    workgroupBarrier();
  }

  for (var d = lid; d < params.headDim; d += ${size}u) {
    var sum = 0.0;
    for (var p = first; p < end; p++) {
      sum += weights[p - first] * ${valueRead};
    }
    partials[outBase + d] = sum;
  }
  if (lid == 0u) {
    partials[outBase + params.headDim] = chunkMax;
    partials[outBase + params.headDim + 1u] = reduction[0];
  }
}
`;
  },
};

/** Spec of {@link attentionCombineKernel}; it has no variants. */
export type AttentionCombineSpec = Record<string, never>;

/**
 * Second pass: merges the chunks of each (row, head) with the usual rescaling by `exp(max_s - max)`
 * and writes the normalised output.
 */
export const attentionCombineKernel: Kernel<AttentionCombineSpec> = {
  name: 'attention-combine',
  bindings: () => ['read', 'read_write'],
  wgsl() {
    const size = ATTENTION_WORKGROUP_SIZE;
    const bindings = [
      { name: 'partials', access: 'read' as const, type: 'array<f32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
    ];
    return `${wgslHeader(ATTENTION_FIELDS, bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = workgroupIndex(wid, groups);
  if (index >= params.rows * params.numHeads) {
    return;
  }
  let stride = params.headDim + 2u;
  let first = index * params.splits;
  var overallMax = -3.0e38;
  for (var s = 0u; s < params.splits; s++) {
    let base = (first + s) * stride;
    if (partials[base + params.headDim + 1u] > 0.0) {
      overallMax = max(overallMax, partials[base + params.headDim]);
    }
  }
  var total = 0.0;
  for (var s = 0u; s < params.splits; s++) {
    let base = (first + s) * stride;
    let sum = partials[base + params.headDim + 1u];
    if (sum > 0.0) {
      total += sum * exp(partials[base + params.headDim] - overallMax);
    }
  }
  for (var d = lid; d < params.headDim; d += ${size}u) {
    var value = 0.0;
    for (var s = 0u; s < params.splits; s++) {
      let base = (first + s) * stride;
      if (partials[base + params.headDim + 1u] > 0.0) {
        value += partials[base + d] * exp(partials[base + params.headDim] - overallMax);
      }
    }
    result[index * params.headDim + d] = value / total;
  }
}
`;
  },
};
