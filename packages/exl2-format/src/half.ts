// IEEE 754 binary16 and bfloat16 conversions. Rounding is to nearest, ties to even, with
// subnormals kept, which is what GPU fp16 multiplies do.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Converts fp16 bits to the number they encode (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/**
 * Rounds a number to the nearest fp16 value (ties to even) and returns its bits. The input is
 * first rounded to fp32, so pass values that fp32 represents exactly when double rounding matters.
 */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;

  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);

  // Unbiased exponent re-biased for fp16 (bias 15).
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;

  if (halfExponent <= 0) {
    // Subnormal or zero in fp16: shift the full significand right, rounding to nearest even.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const kept = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const rounded = remainder > halfway || (remainder === halfway && (kept & 1) === 1) ? kept + 1 : kept;
    return sign | rounded;
  }

  const kept = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent, up to infinity.
  const rounded = remainder > 0x1000 || (remainder === 0x1000 && (kept & 1) === 1) ? kept + 1 : kept;
  return sign | rounded;
}

/** Converts bfloat16 bits to a number (exact). */
export function bfloat16ToFloat(bits: number): number {
  u32[0] = bits << 16;
  return f32[0]!;
}

/** Rounds a number to bfloat16 (ties to even) and returns its bits. */
export function floatToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Converts an array of fp16 bits to fp32 values. */
export function halfArrayToFloat32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  const table = halfTable();
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] as number]!;
  return out;
}

/** Converts an array of bfloat16 bits to fp32 values. */
export function bfloat16ArrayToFloat32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  return out;
}

/** Rounds fp32 values to fp16 bits. */
export function float32ArrayToHalf(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]!);
  return out;
}

let cachedHalfTable: Float32Array | undefined;

/** Returns the 65536-entry fp16 → fp32 lookup table, built on first use (256 KiB). */
export function halfTable(): Float32Array {
  if (!cachedHalfTable) {
    cachedHalfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) cachedHalfTable[bits] = halfToFloat(bits);
  }
  return cachedHalfTable;
}
