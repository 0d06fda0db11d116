import type { AttentionParams, RopeParams } from '@minichat/runtime';
import { roundToHalf } from './half.js';
import type { KernelRunner } from './kernel-runner.js';
import {
  addKernel,
  embedKernel,
  rmsNormKernel,
  ropeKernel,
  sumOfSquaresKernel,
  swigluKernel,
} from './kernel-sources.js';
import type { GpuJsActivation, GpuJsEmbedding, GpuJsKvCache, GpuJsVector } from './resources.js';

/** Returns the first `rows` rows of an activation as a kernel argument. */
function rowsOf(activation: GpuJsActivation, rows: number) {
  return { data: activation.data.subarray(0, rows * activation.cols), shape: [activation.cols, rows] };
}

/** Gathers the embedding rows of `tokens` into the first rows of `out`. */
export function runEmbed(
  runner: KernelRunner,
  table: GpuJsEmbedding,
  tokens: Int32Array,
  out: GpuJsActivation,
): void {
  const result = runner.run('embed', embedKernel, [table.dim, tokens.length], {}, [
    table.table,
    Float32Array.from(tokens),
  ]);
  out.data.set(result);
}

/** RMSNorm in two kernels: the sum of squares per row, then the scaled output. */
export function runRmsNorm(
  runner: KernelRunner,
  x: GpuJsActivation,
  weight: GpuJsVector,
  eps: number,
  out: GpuJsActivation,
  rows: number,
): void {
  const cols = x.cols;
  const input = rowsOf(x, rows);
  const sumOfSquares = runner.run('sumOfSquares', sumOfSquaresKernel, [rows], { cols }, [input]);
  const result = runner.run('rmsNorm', rmsNormKernel, [cols, rows], { cols }, [
    input,
    sumOfSquares,
    weight.data,
    eps,
  ]);
  out.data.set(result);
}

/**
 * Rotates the heads of the first `rows` rows in place. The cosine and sine tables are computed on the
 * host in f32, as the reference implementations round them (`inv_freq = 1 / theta^(2i / headDim)`,
 * `angle = position * inv_freq`), because GPU `sin` and `cos` of large angles lose precision.
 */
export function runRope(runner: KernelRunner, x: GpuJsActivation, rows: number, params: RopeParams): void {
  const { numHeads, headDim, startPosition, theta } = params;
  const half = headDim / 2;
  const cos = new Float32Array(rows * half);
  const sin = new Float32Array(rows * half);
  for (let i = 0; i < half; i++) {
    const inverseFrequency = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)));
    for (let r = 0; r < rows; r++) {
      const angle = Math.fround((startPosition + r) * inverseFrequency);
      cos[r * half + i] = Math.cos(angle);
      sin[r * half + i] = Math.sin(angle);
    }
  }
  const result = runner.run(
    'rope',
    ropeKernel,
    [x.cols, rows],
    { rotatedCols: numHeads * headDim, headDim, half },
    [rowsOf(x, rows), { data: cos, shape: [half, rows] }, { data: sin, shape: [half, rows] }],
  );
  x.data.set(result);
}

/** `out = silu(gate) * up` over the first `rows` rows. */
export function runSwiglu(
  runner: KernelRunner,
  gate: GpuJsActivation,
  up: GpuJsActivation,
  out: GpuJsActivation,
  rows: number,
): void {
  out.data.set(
    runner.run('swiglu', swigluKernel, [gate.cols, rows], {}, [rowsOf(gate, rows), rowsOf(up, rows)]),
  );
}

/** `out = a + b` over the first `rows` rows. */
export function runAdd(
  runner: KernelRunner,
  a: GpuJsActivation,
  b: GpuJsActivation,
  out: GpuJsActivation,
  rows: number,
): void {
  out.data.set(runner.run('add', addKernel, [a.cols, rows], {}, [rowsOf(a, rows), rowsOf(b, rows)]));
}

/** Writes the first `rows` keys and values at their positions, rounded to f16 for an f16 cache. */
export function storeKeysAndValues(
  cache: GpuJsKvCache,
  k: GpuJsActivation,
  v: GpuJsActivation,
  rows: number,
  params: AttentionParams,
): void {
  const kvCols = k.cols;
  const offset = params.startPosition * kvCols;
  const keys = cache.keys[params.layer]!;
  const values = cache.values[params.layer]!;
  const count = rows * kvCols;
  if (cache.spec.dtype === 'f16') {
    for (let i = 0; i < count; i++) {
      keys[offset + i] = roundToHalf(k.data[i]!);
      values[offset + i] = roundToHalf(v.data[i]!);
    }
    return;
  }
  keys.set(k.data.subarray(0, count), offset);
  values.set(v.data.subarray(0, count), offset);
}
