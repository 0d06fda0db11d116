/**
 * A module whose one function computes `i16x8.relaxed_dot_i8x16_i7x16_s` of two constant vectors. It
 * validates only where the engine accepts relaxed SIMD.
 */
// biome-ignore format: the bytes are grouped by section
const RELAXED_SIMD_PROBE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type section: one type, () -> v128
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  // function section: one function of type 0
  0x03, 0x02, 0x01, 0x00,
  // code section: one body of 41 bytes, no locals
  0x0a, 0x2b, 0x01, 0x29, 0x00,
  0xfd, 0x0c, ...new Array<number>(16).fill(0),
  0xfd, 0x0c, ...new Array<number>(16).fill(0),
  0xfd, 0x92, 0x02,
  0x0b,
]);

/** Returns whether this engine compiles relaxed SIMD's 8-bit dot product. */
export function engineHasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}
