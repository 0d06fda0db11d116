import { type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';
import { blockShape, blockValueExpressions, EXL2_BIT_WIDTHS } from './decode.js';

/** Spec of {@link exl2MatmulKernel}. */
export interface Exl2MatmulSpec {
  /** Activation rows that share each decoded weight word (1 for decode, more for prefill). */
  rowTile: number;
  /** Whether a bias is added. */
  hasBias: boolean;
}

/** Output columns per workgroup; adjacent invocations read adjacent words of a `q_weight` row. */
export const EXL2_COLUMNS_PER_WORKGROUP = 32;
/** Invocations per column; each takes every SLICES-th group of the K dimension. */
export const EXL2_SLICES = 8;
/**
 * Words per entry of the group table: bits, xpStart (the group's first element in the gathered
 * activation row, a multiple of 4), qRowStart, rows, scaleMax / 256 as f32, three words of padding.
 */
export const EXL2_GROUP_WORDS = 8;

function widthCase(bits: number, rowTile: number): string {
  const { words, codes } = blockShape(bits);
  const values = blockValueExpressions(bits);
  const loads = Array.from({ length: words }, (_, w) =>
    w === 0 ? '      let w0 = qWeight[q];' : `      let w${w} = qWeight[q + ${w}u * params.stride];`,
  );
  const decoded = values.map((value, i) => `      let d${i} = ${value};`);
  const dots: string[] = [];
  for (let i = 0; i < codes; i += 4) {
    dots.push(`dot(vec4<f32>(d${i}, d${i + 1}, d${i + 2}, d${i + 3}), xp[xb + ${i / 4}u])`);
  }
  return `    case ${bits}u: {
    for (var block = 0u; block < info.rows / ${codes}u; block++) {
      let q = (info.qRowStart + block * ${words}u) * params.stride + n;
${loads.join('\n')}
${decoded.join('\n')}
      let xk = (info.xpStart + block * ${codes}u) / 4u;
      for (var r = 0u; r < ${rowTile}u; r++) {
        let xb = xRow[r] + xk;
        groupSum[r] += ${dots.join('\n          + ')};
      }
    }
    }`;
}

/**
 * EXL2 matrix product on packed codes, `y[m, n] = Σ_k xp[m, k] · Wq[k, n]` with `xp` the activation
 * already gathered into stored-row order.
 *
 * Each invocation owns one output column of a workgroup's 32 and one of 8 slices of the groups. It
 * decodes its column's codes from the packed words, whose on-disk layout already puts adjacent columns
 * in adjacent words. It keeps one sum per group and scales it once at the group's end. The slices are
 * summed in workgroup memory. With `rowTile` > 1 every decoded word is used for that many activation
 * rows (the prefill form).
 *
 * With `splits` > 1 the groups are also divided among that many workgroups per column block, for more
 * parallelism in decode. Split s writes its partial sums to rows `[s * rows, (s + 1) * rows)` of the
 * result, and {@link splitSumKernel} adds them up.
 */
export const exl2MatmulKernel: Kernel<Exl2MatmulSpec> = {
  name: 'exl2-matmul',
  bindings: (spec) =>
    spec.hasBias
      ? ['read', 'read', 'read', 'read', 'read', 'read_write']
      : ['read', 'read', 'read', 'read', 'read_write'],
  wgsl(spec) {
    const tile = spec.rowTile;
    const bindings = [
      { name: 'xp', access: 'read' as const, type: 'array<vec4<f32>>' },
      { name: 'qWeight', access: 'read' as const, type: 'array<u32>' },
      { name: 'qScale', access: 'read' as const, type: 'array<u32>' },
      { name: 'groupTable', access: 'read' as const, type: 'array<GroupInfo>' },
      ...(spec.hasBias ? [{ name: 'bias', access: 'read' as const, type: 'array<f32>' }] : []),
      { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
    ];
    const fields = [
      '  rows: u32,',
      '  paddedInFeatures: u32,',
      '  outCols: u32,',
      '  colOffset: u32,',
      '  partCols: u32,',
      '  stride: u32,',
      '  groupCount: u32,',
      '  columnGroups: u32,',
      '  splits: u32,',
    ].join('\n');
    const cols = EXL2_COLUMNS_PER_WORKGROUP;
    const slices = EXL2_SLICES;
    return `struct GroupInfo {
  bits: u32,
  xpStart: u32,
  qRowStart: u32,
  rows: u32,
  scaleMax: f32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
${wgslHeader(fields, bindings)}
${WGSL_WORKGROUP_INDEX}

fn blockCodes(bits: u32) -> u32 {
  switch bits {
${EXL2_BIT_WIDTHS.map((bits) => `    case ${bits}u: { return ${blockShape(bits).codes}u; }`).join('\n')}
    default: { return 1u; }
  }
}

var<workgroup> partial: array<f32, ${cols * slices * tile}>;

@compute @workgroup_size(${cols}, ${slices})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let linear = workgroupIndex(wid, groups);
  let columnGroup = linear % params.columnGroups;
  let split = (linear / params.columnGroups) % params.splits;
  let rowBase = (linear / (params.columnGroups * params.splits)) * ${tile}u;
  let n = columnGroup * ${cols}u + lid.x;
  let slice = lid.y;
  let inRange = n < params.partCols && rowBase < params.rows;
  let k4 = params.paddedInFeatures / 4u;
  var xRow: array<u32, ${tile}>;
  for (var r = 0u; r < ${tile}u; r++) {
    xRow[r] = min(rowBase + r, params.rows - 1u) * k4;
  }
  var acc: array<f32, ${tile}>;
  if (inRange) {
    for (var g = split * ${slices}u + slice; g < params.groupCount; g += ${slices}u * params.splits) {
      let info = groupTable[g];
      let code = (qScale[g * (params.stride / 8u) + n / 8u] >> (4u * (n % 8u))) & 15u;
      let scale = f32((code + 1u) * (code + 1u)) * info.scaleMax;
      // Zeroed explicitly: SwiftShader was seen to keep the previous iteration's values otherwise.
      var groupSum: array<f32, ${tile}>;
      for (var r = 0u; r < ${tile}u; r++) {
        groupSum[r] = 0.0;
      }
      switch info.bits {
${EXL2_BIT_WIDTHS.map((bits) => widthCase(bits, tile)).join('\n')}
        default: {}
      }
      // Codes after the last whole block (a final group that ends inside a word), one at a time.
      for (var j = (info.rows / blockCodes(info.bits)) * blockCodes(info.bits); j < info.rows; j++) {
        let bit = j * info.bits;
        let q = (info.qRowStart + bit / 32u) * params.stride + n;
        let shift = bit % 32u;
        var code = qWeight[q] >> shift;
        if (shift + info.bits > 32u) {
          code |= qWeight[q + params.stride] << (32u - shift);
        }
        code &= (1u << info.bits) - 1u;
        let d = f32(code) - f32(1u << (info.bits - 1u));
        let xi = info.xpStart + j;
        for (var r = 0u; r < ${tile}u; r++) {
          groupSum[r] += d * xp[xRow[r] + xi / 4u][xi % 4u];
        }
      }
      for (var r = 0u; r < ${tile}u; r++) {
        acc[r] += groupSum[r] * scale;
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
      var sum = 0.0;
      for (var s = 0u; s < ${slices}u; s++) {
        sum += partial[(r * ${slices}u + s) * ${cols}u + lid.x];
      }
      ${spec.hasBias ? 'sum += select(0.0, bias[n], split == 0u);' : ''}
      result[(split * params.rows + row) * params.outCols + params.colOffset + n] = sum;
    }
  }
}
`;
  },
};

/** Spec of {@link exl2GatherKernel}; it has no variants. */
export type Exl2GatherSpec = Record<string, never>;

/** Invocations per workgroup of the gather. */
export const EXL2_GATHER_WORKGROUP_SIZE = 256;

/**
 * `xp[m, k'] = x[m, gatherIndex[k']]`: puts activation features in the stored row order of a layer. The
 * index table starts every group at a multiple of 4 so the product kernel reads `vec4` runs; padding
 * entries hold {@link EXL2_PAD_INDEX} and produce 0.
 */
export const exl2GatherKernel: Kernel<Exl2GatherSpec> = {
  name: 'exl2-gather',
  bindings: () => ['read', 'read', 'read_write'],
  wgsl() {
    const bindings = [
      { name: 'x', access: 'read' as const, type: 'array<f32>' },
      { name: 'gatherIndex', access: 'read' as const, type: 'array<u32>' },
      { name: 'xp', access: 'read_write' as const, type: 'array<f32>' },
    ];
    return `${wgslHeader('  rows: u32,\n  paddedInFeatures: u32,\n  xCols: u32,', bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${EXL2_GATHER_WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = workgroupIndex(wid, groups) * ${EXL2_GATHER_WORKGROUP_SIZE}u + lid;
  if (index >= params.rows * params.paddedInFeatures) {
    return;
  }
  let row = index / params.paddedInFeatures;
  let source = gatherIndex[index % params.paddedInFeatures];
  if (source == ${EXL2_PAD_INDEX}u) {
    xp[index] = 0.0;
  } else {
    xp[index] = x[row * params.xCols + source];
  }
}
`;
  },
};

/** Gather-table entry of a padding slot. */
export const EXL2_PAD_INDEX = 0xffffffff;

/** Spec of {@link splitSumKernel}; it has no variants. */
export type SplitSumSpec = Record<string, never>;

/** Invocations per workgroup of the split sum. */
export const SPLIT_SUM_WORKGROUP_SIZE = 256;

/** `result[i] = Σ_s partials[s * count + i]`: adds up the partial sums of a split-K product. */
export const splitSumKernel: Kernel<SplitSumSpec> = {
  name: 'exl2-split-sum',
  bindings: () => ['read', 'read_write'],
  wgsl() {
    const bindings = [
      { name: 'partials', access: 'read' as const, type: 'array<f32>' },
      { name: 'result', access: 'read_write' as const, type: 'array<f32>' },
    ];
    return `${wgslHeader('  count: u32,\n  splits: u32,', bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${SPLIT_SUM_WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = workgroupIndex(wid, groups) * ${SPLIT_SUM_WORKGROUP_SIZE}u + lid;
  if (index >= params.count) {
    return;
  }
  var sum = 0.0;
  for (var s = 0u; s < params.splits; s++) {
    sum += partials[s * params.count + index];
  }
  result[index] = sum;
}
`;
  },
};
