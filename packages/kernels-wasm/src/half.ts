/** IEEE 754 binary16 conversion for the host-side ops (embedding rows, scales, bias). */

let table: Float32Array | undefined;

/** Returns the f32 values of all 65536 fp16 bit patterns, built on first use (256 KiB). */
export function halfTable(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) table[bits] = decode(bits);
  }
  return table;
}

/** Converts one fp16 bit pattern to a number. */
export function floatFromHalf(bits: number): number {
  return decode(bits & 0xffff);
}

function decode(bits: number): number {
  const negative = (bits & 0x8000) !== 0;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  let magnitude: number;
  if (exponent === 0) magnitude = fraction * 2 ** -24;
  else if (exponent === 31) magnitude = fraction === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  else magnitude = (1024 + fraction) * 2 ** (exponent - 25);
  return negative ? -magnitude : magnitude;
}
