// biome-ignore-all lint/suspicious/noExtraNonNullAssertion: chained lookups such as x[r]![k]! need one assertion per level.
/**
 * Kernel functions in the JavaScript subset that gpu.js translates to GLSL (WebGL modes), WebAssembly and
 * plain JavaScript. They run once per output element: `this.thread.x` is the column and `this.thread.z`
 * the row. `this.thread.y` is 0, or the head in attention scores: `KernelRunner` runs a `[cols, rows]`
 * output as `[cols, 1, rows]`, which gpu.js lays out as a near-square texture instead of one `cols` wide.
 *
 * Three rules keep them correct in every mode. Sizes come from `this.constants`, so loops have constant
 * bounds. Integer divisions are written `Math.floor((a + 0.5) / b)`, because a GPU may divide by
 * multiplying with a rounded reciprocal. Every value is an f32 number.
 */

/** `this` inside a kernel, with the constants it was compiled with. */
interface KernelThis<Constants> {
  thread: { x: number; y: number; z: number };
  constants: Constants;
}

/** A two-dimensional argument indexed `[row][column]`. */
type Grid = number[][];
/** A three-dimensional argument indexed `[z][y][x]`. */
type Cube = number[][][];

/** `out[r][i] = table[tokens[r]][i]`. */
export function embedKernel(this: KernelThis<object>, table: Grid, tokens: number[]): number {
  return table[tokens[this.thread.z]!]![this.thread.x]!;
}

/** `out[r] = sum_i x[r][i]^2`, the first step of RMSNorm. */
export function sumOfSquaresKernel(this: KernelThis<{ cols: number }>, x: Grid): number {
  let sum = 0;
  for (let i = 0; i < this.constants.cols; i++) {
    const value = x[this.thread.x]![i]!;
    sum += value * value;
  }
  return sum;
}

/** `out[r][i] = weight[i] * (x[r][i] / sqrt(sumOfSquares[r] / cols + eps))`. */
export function rmsNormKernel(
  this: KernelThis<{ cols: number }>,
  x: Grid,
  sumOfSquares: number[],
  weight: number[],
  eps: number,
): number {
  const inverseRms = 1 / Math.sqrt(sumOfSquares[this.thread.z]! / this.constants.cols + eps);
  return weight[this.thread.x]! * (inverseRms * x[this.thread.z]![this.thread.x]!);
}

/**
 * Rotate-half RoPE of one element: feature i of a head pairs with feature `i + headDim / 2`. `cos` and
 * `sin` are `[rows, headDim / 2]`. Columns past `numHeads * headDim` pass through.
 */
export function ropeKernel(
  this: KernelThis<{ rotatedCols: number; headDim: number; half: number }>,
  x: Grid,
  cos: Grid,
  sin: Grid,
): number {
  const r = this.thread.z;
  const c = this.thread.x;
  if (c >= this.constants.rotatedCols) return x[r]![c]!;
  const head = Math.floor((c + 0.5) / this.constants.headDim);
  const i = c - head * this.constants.headDim;
  const base = head * this.constants.headDim;
  if (i < this.constants.half) {
    return x[r]![base + i]! * cos[r]![i]! - x[r]![base + i + this.constants.half]! * sin[r]![i]!;
  }
  const j = i - this.constants.half;
  return x[r]![base + j]! * sin[r]![j]! + x[r]![base + i]! * cos[r]![j]!;
}

/** `out = silu(gate) * up` with `silu(g) = g / (1 + exp(-g))`. */
export function swigluKernel(this: KernelThis<object>, gate: Grid, up: Grid): number {
  const g = gate[this.thread.z]![this.thread.x]!;
  return (g / (1 + Math.exp(-g))) * up[this.thread.z]![this.thread.x]!;
}

/** `out = a + b`. */
export function addKernel(this: KernelThis<object>, a: Grid, b: Grid): number {
  return a[this.thread.z]![this.thread.x]! + b[this.thread.z]![this.thread.x]!;
}

/** `out[r][n] = sum_k x[r][k] * weight[n][k]` for a PyTorch-orientation `[N, K]` weight. */
export function denseMatmulKernel(this: KernelThis<{ inFeatures: number }>, x: Grid, weight: Grid): number {
  const r = this.thread.z;
  const n = this.thread.x;
  let sum = 0;
  for (let k = 0; k < this.constants.inFeatures; k++) sum += x[r]![k]! * weight[n]![k]!;
  return sum;
}

/**
 * EXL2 matmul of one output element from unpacked codes (see `unpackExl2`): each texel contains the codes of
 * three stored rows, and stored row k contributes `x[r][perm[k]] * (code - zeroPoint[k]) * scale`.
 * Splitting a texel uses only divisions by powers of two, which are exact in f32.
 */
export function exl2MatmulKernel(
  this: KernelThis<{ texelRows: number }>,
  x: Grid,
  codes: Grid,
  inputIndex: number[],
  zeroPoint: number[],
  groupIndex: number[],
  scales: Grid,
  bias: number[],
): number {
  const r = this.thread.z;
  const n = this.thread.x;
  let sum = 0;
  for (let j = 0; j < this.constants.texelRows; j++) {
    const texel = codes[j]![n]!;
    const code2 = Math.floor(texel / 65536);
    const low = texel - code2 * 65536;
    const code1 = Math.floor(low / 256);
    const code0 = low - code1 * 256;
    // Indices go to locals first: gpu.js 2.24.1 emits clashing GLSL names for repeated nested lookups.
    const k = j * 3;
    const input0 = inputIndex[k]!;
    const input1 = inputIndex[k + 1]!;
    const input2 = inputIndex[k + 2]!;
    const group0 = groupIndex[k]!;
    const group1 = groupIndex[k + 1]!;
    const group2 = groupIndex[k + 2]!;
    sum += x[r]![input0]! * (code0 - zeroPoint[k]!) * scales[group0]![n]!;
    sum += x[r]![input1]! * (code1 - zeroPoint[k + 1]!) * scales[group1]![n]!;
    sum += x[r]![input2]! * (code2 - zeroPoint[k + 2]!) * scales[group2]![n]!;
  }
  return sum + bias[n]!;
}

/**
 * Attention score of query row r, head h against cached position t: `q · k / sqrt(headDim)`. Positions
 * after the row's own (`startPosition + r`) are never read by {@link attentionOutputKernel}; they return 0.
 */
export function attentionScoreKernel(
  this: KernelThis<{ headDim: number; headsPerKvHead: number; scale: number }>,
  q: Grid,
  keys: Grid,
  startPosition: number,
): number {
  const t = this.thread.x;
  const h = this.thread.y;
  const r = this.thread.z;
  if (t > startPosition + r) return 0;
  const kvBase = Math.floor((h + 0.5) / this.constants.headsPerKvHead) * this.constants.headDim;
  const qBase = h * this.constants.headDim;
  let dot = 0;
  for (let i = 0; i < this.constants.headDim; i++) dot += q[r]![qBase + i]! * keys[t]![kvBase + i]!;
  return dot * this.constants.scale;
}

/**
 * Output feature c of query row r: the softmax over positions `0..startPosition + r` of that head's
 * scores, applied to the cached values.
 */
export function attentionOutputKernel(
  this: KernelThis<{ headDim: number; headsPerKvHead: number; positions: number }>,
  scores: Cube,
  values: Grid,
  startPosition: number,
): number {
  const c = this.thread.x;
  const r = this.thread.z;
  const h = Math.floor((c + 0.5) / this.constants.headDim);
  const i = c - h * this.constants.headDim;
  const column = Math.floor((h + 0.5) / this.constants.headsPerKvHead) * this.constants.headDim + i;
  const last = startPosition + r;
  let maxScore = scores[r]![h]![0]!;
  for (let t = 1; t < this.constants.positions; t++) {
    if (t > last) break;
    maxScore = Math.max(maxScore, scores[r]![h]![t]!);
  }
  let sum = 0;
  let weighted = 0;
  for (let t = 0; t < this.constants.positions; t++) {
    if (t > last) break;
    const weight = Math.exp(scores[r]![h]![t]! - maxScore);
    sum += weight;
    weighted += weight * values[t]![column]!;
  }
  return weighted / sum;
}
