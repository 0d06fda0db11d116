/**
 * Builds the RoPE angle table for positions `0..positions` of a head of `headDim` features:
 * `(cos, sin)` of `position * theta^(-2i / headDim)` for each `i < headDim / 2`, interleaved.
 *
 * The inverse frequencies and the angles are rounded to f32 the way Hugging Face transformers and
 * llama2.c compute them (`inv_freq` and `position * inv_freq` in f32), so the table matches those
 * references rather than the exact angle; at position 4000 the two differ by up to about 2e-4 radians.
 */
export function buildRopeTable(positions: number, headDim: number, theta: number): Float32Array<ArrayBuffer> {
  const half = headDim / 2;
  const table = new Float32Array(positions * half * 2);
  for (let i = 0; i < half; i++) {
    const inverseFrequency = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)));
    for (let position = 0; position < positions; position++) {
      const angle = Math.fround(position * inverseFrequency);
      const offset = (position * half + i) * 2;
      table[offset] = Math.cos(angle);
      table[offset + 1] = Math.sin(angle);
    }
  }
  return table;
}
