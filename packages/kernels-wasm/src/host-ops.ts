import type { DeviceSamplingParams, RopeParams } from '@minichat/runtime';
import { halfTable } from './half.js';

/** Copies embedding rows `table[tokens[r]]` into `out` at float index `outBase`, widening fp16. */
export function embedRows(
  table: Float32Array | Uint16Array,
  dtype: 'f32' | 'f16',
  dim: number,
  tokens: Int32Array,
  out: Float32Array,
  outBase: number,
): void {
  if (dtype === 'f32') {
    for (let r = 0; r < tokens.length; r++) {
      out.set((table as Float32Array).subarray(tokens[r]! * dim, (tokens[r]! + 1) * dim), outBase + r * dim);
    }
    return;
  }
  const widen = halfTable();
  for (let r = 0; r < tokens.length; r++) {
    const source = tokens[r]! * dim;
    const target = outBase + r * dim;
    for (let i = 0; i < dim; i++) out[target + i] = widen[table[source + i] as number]!;
  }
}

/**
 * Cosines and sines of the rotation angles for one (theta, headDim, startPosition, rows), kept between
 * calls: a decode step rotates the queries and keys of every layer at the same position, so only the
 * first of those calls computes them.
 */
export class RopeTables {
  private theta = Number.NaN;
  private headDim = 0;
  private startPosition = -1;
  private rows = 0;
  private frequencies = new Float64Array(0);
  /** `rows * headDim / 2` values each, row-major. */
  cos = new Float64Array(0);
  sin = new Float64Array(0);

  /** Fills the tables for these parameters unless they already contain them. */
  prepare(theta: number, headDim: number, startPosition: number, rows: number): void {
    const half = headDim / 2;
    if (theta !== this.theta || headDim !== this.headDim) {
      this.frequencies = new Float64Array(half);
      for (let i = 0; i < half; i++) {
        this.frequencies[i] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)));
      }
      this.theta = theta;
      this.headDim = headDim;
      this.startPosition = -1;
    }
    if (startPosition === this.startPosition && rows === this.rows) return;
    if (this.cos.length < rows * half) {
      this.cos = new Float64Array(rows * half);
      this.sin = new Float64Array(rows * half);
    }
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround((startPosition + r) * this.frequencies[i]!);
        this.cos[r * half + i] = Math.fround(Math.cos(angle));
        this.sin[r * half + i] = Math.fround(Math.sin(angle));
      }
    }
    this.startPosition = startPosition;
    this.rows = rows;
  }
}

/**
 * Rotate-half RoPE in place on `rows` rows of width `stride` starting at float index `base`. Feature i of
 * a head pairs with feature `i + headDim / 2`. The inverse frequency `1 / theta^(2i / headDim)` and the
 * angle `position * frequency` are rounded to f32, as Hugging Face's f32 rotary embedding computes them.
 * This runs on the host because it is O(rows * cols) and needs sin and cos, which the kernels lack.
 */
export function ropeRows(
  x: Float32Array,
  base: number,
  stride: number,
  rows: number,
  params: RopeParams,
  tables: RopeTables = new RopeTables(),
): void {
  const { numHeads, headDim, startPosition, theta } = params;
  const half = headDim / 2;
  tables.prepare(theta, headDim, startPosition, rows);
  const { cos, sin } = tables;
  for (let r = 0; r < rows; r++) {
    const angles = r * half;
    for (let h = 0; h < numHeads; h++) {
      const head = base + r * stride + h * headDim;
      for (let i = 0; i < half; i++) {
        const first = x[head + i]!;
        const second = x[head + half + i]!;
        x[head + i] = first * cos[angles + i]! - second * sin[angles + i]!;
        x[head + half + i] = first * sin[angles + i]! + second * cos[angles + i]!;
      }
    }
  }
}

/**
 * Draws a token from one row of logits as the backend interface defines `sample`. Greedy returns the
 * lowest id among the maxima. Otherwise it takes softmax(logits / temperature) in f64 and orders tokens by
 * descending probability (ties: lower id first). It keeps the first `topK`, then the shortest prefix
 * reaching `topP`, and returns the first kept token whose cumulative probability exceeds
 * `uniform * kept mass`.
 */
export function sampleLogits(logits: Float32Array, params: DeviceSamplingParams, uniform: number): number {
  const size = logits.length;
  if (params.temperature === 0) {
    let best = 0;
    for (let id = 1; id < size; id++) if (logits[id]! > logits[best]!) best = id;
    return best;
  }

  let maxLogit = Number.NEGATIVE_INFINITY;
  for (let id = 0; id < size; id++) maxLogit = Math.max(maxLogit, logits[id]!);
  const probabilities = new Float64Array(size);
  let total = 0;
  for (let id = 0; id < size; id++) {
    probabilities[id] = Math.exp((logits[id]! - maxLogit) / params.temperature);
    total += probabilities[id]!;
  }
  for (let id = 0; id < size; id++) probabilities[id]! /= total;

  const order = new Uint32Array(size);
  for (let id = 0; id < size; id++) order[id] = id;
  order.sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);

  let kept = params.topK > 0 ? Math.min(params.topK, size) : size;
  if (params.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept; i++) {
      cumulative += probabilities[order[i] as number]!;
      if (cumulative >= params.topP) {
        kept = i + 1;
        break;
      }
    }
  }

  let keptMass = 0;
  for (let i = 0; i < kept; i++) keptMass += probabilities[order[i] as number]!;
  const threshold = uniform * keptMass;
  let cumulative = 0;
  for (let i = 0; i < kept; i++) {
    cumulative += probabilities[order[i] as number]!;
    if (cumulative > threshold) return order[i]!;
  }
  return order[kept - 1]!;
}
