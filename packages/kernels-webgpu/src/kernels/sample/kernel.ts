import { type Kernel, wgslHeader } from '../../gpu/kernel.js';

/** Spec of the sampling kernels; they have no variants. */
export type SampleSpec = Record<string, never>;

/** Invocations of the single sampling workgroup. */
export const SAMPLE_WORKGROUP_SIZE = 256;
/** Candidates each invocation keeps while scanning the logits. */
export const LOCAL_CANDIDATES = 4;
/** Candidates sorted in workgroup memory: one list per invocation. */
const SORTED = SAMPLE_WORKGROUP_SIZE * LOCAL_CANDIDATES;
/** Most candidates one call returns. */
export const MAX_CANDIDATES = 256;
/** Words before the candidate list in the top-k result: max, sum of exp, bound value, bound id, count. */
export const TOP_K_HEADER_WORDS = 5;
/** Id of an empty candidate slot and of "no bound". */
export const NO_TOKEN = 0xffffffff;

const FIELDS = '  offset: u32,\n  count: u32,\n  inverseTemperature: f32,\n  candidates: u32,';

const RANK_FUNCTION = `
// Whether (a, ia) comes before (b, ib): higher logit first, lower id on ties, NaN and empty slots last.
fn before(a: f32, ia: u32, b: f32, ib: u32) -> bool {
  return a > b || (a == b && ia < ib);
}`;

/** Greedy selection: the lowest id among the maximum logits of one row, written to `result[0]`. */
export const argmaxKernel: Kernel<SampleSpec> = {
  name: 'argmax',
  bindings: () => ['read', 'read_write'],
  wgsl() {
    const size = SAMPLE_WORKGROUP_SIZE;
    const bindings = [
      { name: 'logits', access: 'read' as const, type: 'array<f32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<u32>' },
    ];
    return `${wgslHeader(FIELDS, bindings)}
${RANK_FUNCTION}

var<workgroup> bestValue: array<f32, ${size}>;
var<workgroup> bestId: array<u32, ${size}>;

@compute @workgroup_size(${size})
fn main(@builtin(local_invocation_index) lid: u32) {
  var value = bitcast<f32>(0xff7fffffu);
  var id = ${NO_TOKEN}u;
  for (var i = lid; i < params.count; i += ${size}u) {
    let logit = logits[params.offset + i];
    if (before(logit, i, value, id)) {
      value = logit;
      id = i;
    }
  }
  bestValue[lid] = value;
  bestId[lid] = id;
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride && before(bestValue[lid + stride], bestId[lid + stride], bestValue[lid], bestId[lid])) {
      bestValue[lid] = bestValue[lid + stride];
      bestId[lid] = bestId[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    result[0] = select(bestId[0], 0u, bestId[0] == ${NO_TOKEN}u);
  }
}
`;
  },
};

/**
 * Candidate selection for top-k / top-p sampling on one row. Each invocation keeps its
 * ${LOCAL_CANDIDATES} best logits while scanning; the lists are merged by a bitonic sort in workgroup
 * memory. The result contains the row maximum, `Σ exp((logit - max) / T)`, the best candidate any
 * invocation had to drop (the "bound": every token ranked above it is in the list, in order), and the
 * first `candidates` sorted `(id, logit)` pairs.
 */
export const topKKernel: Kernel<SampleSpec> = {
  name: 'top-k',
  bindings: () => ['read', 'read_write'],
  wgsl() {
    const size = SAMPLE_WORKGROUP_SIZE;
    const bindings = [
      { name: 'logits', access: 'read' as const, type: 'array<f32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<u32>' },
    ];
    return `${wgslHeader(FIELDS, bindings)}
${RANK_FUNCTION}

var<workgroup> sortValue: array<f32, ${SORTED}>;
var<workgroup> sortId: array<u32, ${SORTED}>;
var<workgroup> reduction: array<f32, ${size}>;
var<workgroup> boundValue: array<f32, ${size}>;
var<workgroup> boundId: array<u32, ${size}>;

@compute @workgroup_size(${size})
fn main(@builtin(local_invocation_index) lid: u32) {
  var keptValue: array<f32, ${LOCAL_CANDIDATES}>;
  var keptId: array<u32, ${LOCAL_CANDIDATES}>;
  for (var c = 0u; c < ${LOCAL_CANDIDATES}u; c++) {
    keptValue[c] = bitcast<f32>(0xff7fffffu);
    keptId[c] = ${NO_TOKEN}u;
  }
  // The best logit this invocation dropped from its list.
  var droppedValue = bitcast<f32>(0xff7fffffu);
  var droppedId = ${NO_TOKEN}u;
  var localMax = bitcast<f32>(0xff7fffffu);
  for (var i = lid; i < params.count; i += ${size}u) {
    var value = logits[params.offset + i];
    var id = i;
    localMax = max(localMax, value);
    for (var c = 0u; c < ${LOCAL_CANDIDATES}u; c++) {
      if (before(value, id, keptValue[c], keptId[c])) {
        let swapValue = keptValue[c];
        let swapId = keptId[c];
        keptValue[c] = value;
        keptId[c] = id;
        value = swapValue;
        id = swapId;
      }
    }
    if (id != ${NO_TOKEN}u && before(value, id, droppedValue, droppedId)) {
      droppedValue = value;
      droppedId = id;
    }
  }

  reduction[lid] = localMax;
  boundValue[lid] = droppedValue;
  boundId[lid] = droppedId;
  for (var c = 0u; c < ${LOCAL_CANDIDATES}u; c++) {
    sortValue[lid * ${LOCAL_CANDIDATES}u + c] = keptValue[c];
    sortId[lid * ${LOCAL_CANDIDATES}u + c] = keptId[c];
  }
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      reduction[lid] = max(reduction[lid], reduction[lid + stride]);
      if (before(boundValue[lid + stride], boundId[lid + stride], boundValue[lid], boundId[lid])) {
        boundValue[lid] = boundValue[lid + stride];
        boundId[lid] = boundId[lid + stride];
      }
    }
    workgroupBarrier();
  }
  let rowMax = reduction[0];
  workgroupBarrier();

  var localSum = 0.0;
  for (var i = lid; i < params.count; i += ${size}u) {
    localSum += exp((logits[params.offset + i] - rowMax) * params.inverseTemperature);
  }
  reduction[lid] = localSum;
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      reduction[lid] += reduction[lid + stride];
    }
    workgroupBarrier();
  }

  // Bitonic sort of all kept candidates, best first.
  for (var k = 2u; k <= ${SORTED}u; k <<= 1u) {
    for (var j = k >> 1u; j > 0u; j >>= 1u) {
      for (var t = lid; t < ${SORTED}u; t += ${size}u) {
        let partner = t ^ j;
        if (partner > t) {
          let firstBefore = (t & k) == 0u;
          let partnerBefore = before(sortValue[partner], sortId[partner], sortValue[t], sortId[t]);
          if (partnerBefore == firstBefore) {
            let swapValue = sortValue[t];
            let swapId = sortId[t];
            sortValue[t] = sortValue[partner];
            sortId[t] = sortId[partner];
            sortValue[partner] = swapValue;
            sortId[partner] = swapId;
          }
        }
      }
      workgroupBarrier();
    }
  }

  if (lid == 0u) {
    result[0] = bitcast<u32>(rowMax);
    result[1] = bitcast<u32>(reduction[0]);
    result[2] = bitcast<u32>(boundValue[0]);
    result[3] = boundId[0];
    result[4] = params.candidates;
  }
  for (var c = lid; c < params.candidates; c += ${size}u) {
    result[${TOP_K_HEADER_WORDS}u + 2u * c] = sortId[c];
    result[${TOP_K_HEADER_WORDS}u + 2u * c + 1u] = bitcast<u32>(sortValue[c]);
  }
}
`;
  },
};
