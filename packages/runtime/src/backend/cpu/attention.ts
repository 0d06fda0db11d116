import { floatToHalf, halfToFloatTable } from '../half.js';
import type { AttentionParams } from '../interface.js';
import type { CpuKvCache } from './resources.js';

/**
 * Stores `rows` new keys and values at positions `startPosition..` of one layer, then writes causal
 * attention of each query row over positions `0..its own position` to `out`. Query head h reads key/value
 * head `floor(h / (numHeads / numKvHeads))` (grouped-query attention).
 */
export function attentionRows(
  q: Float32Array,
  qStride: number,
  k: Float32Array,
  v: Float32Array,
  kvStride: number,
  cache: CpuKvCache,
  rows: number,
  params: AttentionParams,
  out: Float32Array,
  outStride: number,
): void {
  const { layer, startPosition, numHeads, numKvHeads, headDim } = params;
  const kvDim = numKvHeads * headDim;
  const keys = cache.keys[layer]!;
  const values = cache.values[layer]!;
  const isHalf = cache.spec.dtype === 'f16';

  // Store first, so a query row attends to the earlier rows of the same chunk.
  for (let r = 0; r < rows; r++) {
    const dst = (startPosition + r) * kvDim;
    for (let i = 0; i < kvDim; i++) {
      const key = k[r * kvStride + i]!;
      const value = v[r * kvStride + i]!;
      keys[dst + i] = isHalf ? floatToHalf(key) : key;
      values[dst + i] = isHalf ? floatToHalf(value) : value;
    }
  }

  const headsPerKvHead = numHeads / numKvHeads;
  const scale = 1 / Math.sqrt(headDim);
  const scores = new Float64Array(startPosition + rows);
  const head = new Float64Array(headDim);
  // One cached row widened to f64 (from f32 or f16), so the dot products below index plain arrays.
  const cachedRow = new Float64Array(headDim);
  const widen = halfToFloatTable();
  const loadRow = (array: Float32Array | Uint16Array, base: number): void => {
    if (isHalf) {
      for (let i = 0; i < headDim; i++) cachedRow[i] = widen[array[base + i] as number]!;
    } else {
      for (let i = 0; i < headDim; i++) cachedRow[i] = array[base + i]!;
    }
  };

  for (let r = 0; r < rows; r++) {
    const lastPosition = startPosition + r;
    for (let h = 0; h < numHeads; h++) {
      const qBase = r * qStride + h * headDim;
      const kvOffset = Math.floor(h / headsPerKvHead) * headDim;

      // scores[t] = q . key[t] / sqrt(headDim), then softmax over t.
      let maxScore = Number.NEGATIVE_INFINITY;
      for (let t = 0; t <= lastPosition; t++) {
        loadRow(keys, t * kvDim + kvOffset);
        let dot = 0;
        for (let i = 0; i < headDim; i++) dot += q[qBase + i]! * cachedRow[i]!;
        const score = Math.fround(dot * scale);
        scores[t] = score;
        if (score > maxScore) maxScore = score;
      }
      let sum = 0;
      for (let t = 0; t <= lastPosition; t++) {
        const weight = Math.exp(scores[t]! - maxScore);
        scores[t] = weight;
        sum += weight;
      }

      // out = sum over t of softmax weight * value[t].
      head.fill(0);
      for (let t = 0; t <= lastPosition; t++) {
        const weight = scores[t]! / sum;
        loadRow(values, t * kvDim + kvOffset);
        for (let i = 0; i < headDim; i++) head[i]! += weight * cachedRow[i]!;
      }
      const outBase = r * outStride + h * headDim;
      for (let i = 0; i < headDim; i++) out[outBase + i] = head[i]!;
    }
  }
}
