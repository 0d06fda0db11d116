import { halfToFloatTable } from '../half.js';

/** `out[r] = table[tokens[r]]`, widening f16 rows. */
export function embedRows(
  table: Float32Array | Uint16Array,
  dtype: 'f32' | 'f16',
  dim: number,
  tokens: Int32Array,
  out: Float32Array,
  outStride: number,
): void {
  const halfTable = dtype === 'f16' ? halfToFloatTable() : undefined;
  for (let r = 0; r < tokens.length; r++) {
    const src = tokens[r]! * dim;
    const dst = r * outStride;
    if (halfTable === undefined) {
      for (let i = 0; i < dim; i++) out[dst + i] = table[src + i]!;
    } else {
      for (let i = 0; i < dim; i++) out[dst + i] = halfTable[table[src + i] as number]!;
    }
  }
}

/** `out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight` over the first `weight.length` columns. */
export function rmsNormRows(
  x: Float32Array,
  xStride: number,
  weight: Float32Array,
  eps: number,
  out: Float32Array,
  outStride: number,
  rows: number,
): void {
  const dim = weight.length;
  for (let r = 0; r < rows; r++) {
    const xBase = r * xStride;
    let sumOfSquares = 0;
    for (let i = 0; i < dim; i++) sumOfSquares += x[xBase + i]! * x[xBase + i]!;
    const inverseRms = 1 / Math.sqrt(sumOfSquares / dim + eps);
    const outBase = r * outStride;
    for (let i = 0; i < dim; i++) out[outBase + i] = weight[i]! * (inverseRms * x[xBase + i]!);
  }
}

/**
 * Rotate-half RoPE in place: within each head, feature i pairs with feature `i + headDim / 2`.
 * Frequencies and angles are rounded to f32 as the reference implementations compute them
 * (`inv_freq = 1 / theta^(2i / headDim)` and `position * inv_freq` in f32).
 */
export function ropeRows(
  x: Float32Array,
  xStride: number,
  rows: number,
  numHeads: number,
  headDim: number,
  startPosition: number,
  theta: number,
): void {
  const half = headDim / 2;
  const inverseFrequency = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    inverseFrequency[i] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)));
  }
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let r = 0; r < rows; r++) {
    const position = startPosition + r;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(position * inverseFrequency[i]!);
      cos[i] = Math.fround(Math.cos(angle));
      sin[i] = Math.fround(Math.sin(angle));
    }
    for (let h = 0; h < numHeads; h++) {
      const base = r * xStride + h * headDim;
      for (let i = 0; i < half; i++) {
        const a = x[base + i]!;
        const b = x[base + half + i]!;
        x[base + i] = a * cos[i]! - b * sin[i]!;
        x[base + half + i] = a * sin[i]! + b * cos[i]!;
      }
    }
  }
}

/** `out = silu(gate) * up`, `silu(g) = g / (1 + exp(-g))`. */
export function swigluRows(
  gate: Float32Array,
  up: Float32Array,
  out: Float32Array,
  stride: number,
  cols: number,
  rows: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * stride;
    for (let i = 0; i < cols; i++) {
      const g = gate[base + i]!;
      out[base + i] = (g / (1 + Math.exp(-g))) * up[base + i]!;
    }
  }
}

/** `out = a + b` over the first `cols` columns of `rows` rows. */
export function addRows(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  stride: number,
  cols: number,
  rows: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * stride;
    for (let i = 0; i < cols; i++) out[base + i] = a[base + i]! + b[base + i]!;
  }
}
