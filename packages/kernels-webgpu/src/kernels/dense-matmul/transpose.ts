/** Rows and columns per block of the cache-friendly transposition. */
const BLOCK = 64;

/**
 * Transposes output features `[first, first + count)` of a PyTorch-oriented `[N, K]` f32 matrix into an
 * input-major `[K, count]` slice.
 */
export function transposeF32(
  data: Float32Array,
  inFeatures: number,
  first: number,
  count: number,
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(inFeatures * count);
  for (let n0 = 0; n0 < count; n0 += BLOCK) {
    const n1 = Math.min(count, n0 + BLOCK);
    for (let k0 = 0; k0 < inFeatures; k0 += BLOCK) {
      const k1 = Math.min(inFeatures, k0 + BLOCK);
      for (let n = n0; n < n1; n++) {
        const source = (first + n) * inFeatures;
        for (let k = k0; k < k1; k++) out[k * count + n] = data[source + k]!;
      }
    }
  }
  return out;
}

/**
 * Transposes output features `[first, first + count)` of an `[N, K]` matrix of fp16 bit patterns into
 * input-major words: word `(k, m)` holds features `first + 2m` (low half) and `first + 2m + 1` (high
 * half, zero past the slice), the layout `unpack2x16float` reads.
 */
export function transposeF16(
  data: Uint16Array,
  inFeatures: number,
  first: number,
  count: number,
): Uint32Array<ArrayBuffer> {
  const stride = Math.ceil(count / 2);
  const out = new Uint32Array(inFeatures * stride);
  for (let m0 = 0; m0 < stride; m0 += BLOCK) {
    const m1 = Math.min(stride, m0 + BLOCK);
    for (let k0 = 0; k0 < inFeatures; k0 += BLOCK) {
      const k1 = Math.min(inFeatures, k0 + BLOCK);
      for (let m = m0; m < m1; m++) {
        const low = (first + 2 * m) * inFeatures;
        const hasHigh = 2 * m + 1 < count;
        for (let k = k0; k < k1; k++) {
          const high = hasHigh ? data[low + inFeatures + k]! : 0;
          out[k * stride + m] = (data[low + k]! | (high << 16)) >>> 0;
        }
      }
    }
  }
  return out;
}
