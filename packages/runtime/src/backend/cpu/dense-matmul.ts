import { halfToFloatTable } from '../half.js';

/**
 * Computes `out[r] = x[r] @ W^T` for a weight in PyTorch orientation `[outFeatures, inFeatures]`, as
 * llama2.c's `matmul` does: one dot product per output, accumulated in input order. f16 weights are widened
 * through a lookup table. The sum runs in f64 and is rounded to f32 once on store.
 */
export function denseMatmul(
  weight: { inFeatures: number; outFeatures: number; dtype: 'f32' | 'f16'; data: Float32Array | Uint16Array },
  x: Float32Array,
  xStride: number,
  out: Float32Array,
  outStride: number,
  rows: number,
): void {
  const { inFeatures, outFeatures, data } = weight;
  if (weight.dtype === 'f32') {
    const w = data as Float32Array;
    for (let o = 0; o < outFeatures; o++) {
      const wBase = o * inFeatures;
      for (let r = 0; r < rows; r++) {
        const xBase = r * xStride;
        let sum = 0;
        for (let i = 0; i < inFeatures; i++) sum += w[wBase + i]! * x[xBase + i]!;
        out[r * outStride + o] = sum;
      }
    }
    return;
  }

  const table = halfToFloatTable();
  const w = data as Uint16Array;
  const row = new Float32Array(inFeatures);
  for (let o = 0; o < outFeatures; o++) {
    const wBase = o * inFeatures;
    for (let i = 0; i < inFeatures; i++) row[i] = table[w[wBase + i] as number]!;
    for (let r = 0; r < rows; r++) {
      const xBase = r * xStride;
      let sum = 0;
      for (let i = 0; i < inFeatures; i++) sum += row[i]! * x[xBase + i]!;
      out[r * outStride + o] = sum;
    }
  }
}
