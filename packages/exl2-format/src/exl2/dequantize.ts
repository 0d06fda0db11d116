import { InvalidOptionError } from '../errors.js';
import { floatToHalf, halfTable } from '../half.js';
import { MAX_DECODE_ELEMENTS } from '../limits.js';
import { readScaleNibble, unpackGroupCodes } from './codes.js';
import { zeroPoint } from './groups.js';
import type { Exl2Tensors } from './tensors.js';

/**
 * Arithmetic used to rebuild weights: `fp32` computes `(c - z) × (s+1)² × q_scale_max / 256`
 * exactly and rounds once to fp32. `fp16` repeats the rounding steps of exllamav2's reconstruct
 * kernel in fp16 with subnormals, to reproduce its weights bit for bit.
 */
// NOTE: the fp16 steps are checked against hand-computed values, including a subnormal scale, not
// against exllamav2's CUDA kernel, which cannot run here.
export type DequantizeMode = 'fp32' | 'fp16';

/**
 * Computes the per-column scales of group `g` in the chosen arithmetic. In fp16 mode every
 * step is rounded as exllamav2 rounds it: `m = fp16(q_scale_max / 256)`,
 * `scale = fp16(fp16((s+1)²) × m)`.
 */
export function groupScales(
  t: Exl2Tensors,
  g: number,
  mode: DequantizeMode,
  out = new Float64Array(t.paddedOutFeatures),
): Float64Array {
  const half = halfTable();
  const scaleMax = half[t.qScaleMax[g] as number]!;
  const m = mode === 'fp16' ? half[floatToHalf(scaleMax / 256)]! : scaleMax / 256;
  for (let n = 0; n < t.paddedOutFeatures; n++) {
    const code = readScaleNibble(t.qScale, t.paddedOutFeatures, g, n) + 1;
    out[n] = mode === 'fp16' ? half[floatToHalf(code * code * m)]! : code * code * m;
  }
  return out;
}

/**
 * Rebuilds the weight matrix of one EXL2 layer as `[inFeatures, outFeatures]` in natural input
 * order (row i = input feature i), dropping the padded columns. Codes are read straight from
 * `q_weight`, so memory beyond the K × N × 4-byte result is one row of scales.
 */
export function dequantizeExl2(t: Exl2Tensors, mode: DequantizeMode = 'fp32'): Float32Array {
  if (mode !== 'fp32' && mode !== 'fp16') {
    throw new InvalidOptionError(`Unknown dequantize mode ${JSON.stringify(mode)}; use 'fp32' or 'fp16'.`, {
      expected: "'fp32' | 'fp16'",
      actual: String(mode),
    });
  }
  const K = t.inFeatures;
  const N = t.outFeatures;
  const Np = t.paddedOutFeatures;
  if (K * N > MAX_DECODE_ELEMENTS) {
    throw new InvalidOptionError(
      `${t.name}: ${K} × ${N} weights exceed the ${MAX_DECODE_ELEMENTS} elements one array may hold; decode it in parts.`,
      { tensor: t.name },
    );
  }
  const out = new Float32Array(K * N);
  const scales = new Float64Array(Np);
  const half = halfTable();
  const { qWeight, perm } = t;
  for (let g = 0; g < t.groups.length; g++) {
    const { bits, rows, rowStart, qRowStart } = t.groups[g]!;
    const zero = zeroPoint(bits);
    const mask = (1 << bits) - 1;
    groupScales(t, g, mode, scales);
    for (let j = 0; j < rows; j++) {
      // Codes are read straight from q_weight: stored row j of the group starts at stream bit j × bits.
      const bit = j * bits;
      const shift = bit & 31;
      const word = (qRowStart + (bit >>> 5)) * Np;
      const next = word + Np;
      const straddles = shift + bits > 32;
      const target = (perm[rowStart + j] as number) * N;
      if (mode === 'fp32' && !straddles) {
        for (let n = 0; n < N; n++)
          out[target + n] = (((qWeight[word + n]! >>> shift) & mask) - zero) * scales[n]!;
        continue;
      }
      for (let n = 0; n < N; n++) {
        let code = qWeight[word + n]! >>> shift;
        if (straddles) code |= qWeight[next + n]! << (32 - shift);
        const value = ((code & mask) - zero) * scales[n]!;
        out[target + n] = mode === 'fp32' ? value : half[floatToHalf(value)]!;
      }
    }
  }
  return out;
}

/**
 * Computes `y = x @ W (+ bias)` for one input vector straight from the packed codes, gathering
 * `x[perm[k]]` for stored row k as exllamav2's GEMM does. Scales use exact fp32 math and the
 * sum is accumulated in float64, so it is a reference, not a fast kernel.
 */
export function exl2MatVec(t: Exl2Tensors, x: Float32Array): Float32Array {
  if (x.length !== t.inFeatures) {
    throw new InvalidOptionError(
      `${t.name}: input has ${x.length} features but the layer expects ${t.inFeatures}.`,
      {
        tensor: t.name,
        expected: String(t.inFeatures),
        actual: String(x.length),
      },
    );
  }
  const Np = t.paddedOutFeatures;
  const sums = new Float64Array(Np);
  const scales = new Float64Array(Np);
  const groupSums = new Float64Array(Np);
  for (let g = 0; g < t.groups.length; g++) {
    const group = t.groups[g]!;
    const codes = unpackGroupCodes(t.qWeight, Np, group);
    const zero = zeroPoint(group.bits);
    groupSums.fill(0);
    for (let j = 0; j < group.rows; j++) {
      const xk = x[t.perm[group.rowStart + j] as number]!;
      if (xk === 0) continue;
      const source = j * Np;
      for (let n = 0; n < Np; n++) groupSums[n]! += xk * (codes[source + n]! - zero);
    }
    groupScales(t, g, 'fp32', scales);
    for (let n = 0; n < Np; n++) sums[n]! += groupSums[n]! * scales[n]!;
  }
  const y = new Float32Array(t.outFeatures);
  const half = halfTable();
  for (let n = 0; n < t.outFeatures; n++) y[n] = sums[n]! + (t.bias ? half[t.bias[n] as number]! : 0);
  return y;
}
