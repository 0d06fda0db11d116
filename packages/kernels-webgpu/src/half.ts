/** Converts an IEEE 754 binary16 bit pattern to a number (subnormals, infinities and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Packs fp16 bit patterns two to a 32-bit word (element 2i in the low half), the layout WGSL's
 * `unpack2x16float` reads. Each row of `rowLength` values starts a new word; an odd row ends in a zero half.
 */
export function packHalfRows(
  values: Uint16Array,
  rows: number,
  rowLength: number,
  firstRow = 0,
): Uint32Array<ArrayBuffer> {
  const rowWords = Math.ceil(rowLength / 2);
  const words = new Uint32Array(rows * rowWords);
  if (rowLength % 2 === 0) {
    const source = values.subarray(firstRow * rowLength, (firstRow + rows) * rowLength);
    const aligned = new Uint16Array(source.length);
    aligned.set(source);
    // Reinterpreting pairs of 16-bit values puts element 2i in the low half on a little-endian host,
    // which every WebGPU implementation is.
    words.set(new Uint32Array(aligned.buffer));
    return words;
  }
  for (let r = 0; r < rows; r++) {
    const base = (firstRow + r) * rowLength;
    for (let c = 0; c < rowLength; c += 2) {
      const low = values[base + c]!;
      const high = c + 1 < rowLength ? values[base + c + 1]! : 0;
      words[r * rowWords + c / 2] = (low | (high << 16)) >>> 0;
    }
  }
  return words;
}
