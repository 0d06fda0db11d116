// IEEE 754 binary16 conversions for f16 weights, f16 embeddings and the f16 key/value cache.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Widens fp16 bits to the number they encode (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Widens an array of fp16 bit patterns to f32. */
export function halvesToFloats(halves: Uint16Array): Float32Array {
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = halfToFloat(bits);
  return Float32Array.from(halves, (bits) => table[bits]!);
}

/** Rounds an f32 value to the nearest fp16 value (ties to even), as an f16 cache stores it. */
export function roundToHalf(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const exponent = (bits >>> 23) & 0xff;
  if (exponent === 0xff) return value;
  const sign = bits & 0x80000000 ? -1 : 1;
  const magnitude = Math.abs(f32[0]!);
  // Below 2^-14 fp16 is subnormal with a fixed step of 2^-24; above, the step is 2^(e - 10).
  const step = magnitude < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(magnitude)) - 10);
  const scaled = magnitude / step;
  let rounded = Math.round(scaled);
  if (rounded - scaled === 0.5 && rounded % 2 === 1) rounded -= 1;
  const result = rounded * step;
  return sign * (result > 65504 ? Number.POSITIVE_INFINITY : result);
}
