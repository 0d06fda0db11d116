/*
 * The EXL2 tile layout of the relaxed-SIMD build and its decoder.
 *
 * A block is 32 stored rows by 4 output columns (128 codes) in `bits` planes of 16 bytes, the same size
 * as the packed file format. Byte lane L belongs to column L / 4 and has eight fields: field m is the
 * code of row 4m + L % 4. So field m of the block is one vector of 16 unsigned 8-bit codes, four per
 * column, and `i16x8.relaxed_dot_i8x16_i7x16_s` of it with the activations x[4m .. 4m + 3] repeated four
 * times gives per-column sums of two rows in each 16-bit lane.
 *
 * A width splits into sub-planes of 8, 4, 2 or 1 bits. 8, 4 and 2 are one sub-plane each. 6 is a 4-bit
 * sub-plane of the low bits followed by a 2-bit one of the high bits, 5 is 4 + 1 and 3 is 2 + 1. A
 * sub-plane of width w takes w planes, and plane p contains fields p * (8 / w) + s at bits w * s.
 */
#ifndef MINICHAT_KERNELS_EXL2_RELAXED_TILE_H
#define MINICHAT_KERNELS_EXL2_RELAXED_TILE_H

#include "common.h"

/* Fields per block: one vector of codes each. */
#define FIELDS_PER_BLOCK 8

/*
 * i16x8.relaxed_dot_i8x16_i7x16_s(a, b): lane i = a[2i] * b[2i] + a[2i + 1] * b[2i + 1], with `a` signed
 * and `b` in [0, 127]. clang 14 has no builtin for it, so the kernels write `i16x8.q15mulr_sat_s`, which
 * takes and returns the same types, and scripts/build-wasm.mjs rewrites each one into the relaxed dot
 * product. Nothing else in the relaxed build may use q15mulr.
 */
#define relaxed_dot_i8x16_i7x16(a, b) wasm_i16x8_q15mulr_sat(a, b)

/* Bits [shift, shift + width) of each byte, moved to bit `position` of the byte. All arguments are constants. */
INLINE v128_t byte_field(v128_t plane, int shift, int width, int position) {
  v128_t moved = plane;
  if (position > shift) {
    moved = wasm_i16x8_shl(plane, position - shift);
  } else if (position < shift) {
    moved = wasm_u16x8_shr(plane, shift - position);
  }
  /* The 16-bit shifts carry bits across the byte boundary; the mask removes them. */
  return wasm_v128_and(moved, wasm_i8x16_splat((int8_t)(((1 << width) - 1) << position)));
}

/* Field `m` of a block whose `bits` planes are loaded (unsigned codes, zero point not removed). */
INLINE v128_t decode_field(int32_t bits, const v128_t planes[8], int m) {
  switch (bits) {
    case 8:
      return planes[m];
    case 6:
      return wasm_v128_or(byte_field(planes[m >> 1], 4 * (m & 1), 4, 0),
                          byte_field(planes[4 + (m >> 2)], 2 * (m & 3), 2, 4));
    case 5:
      return wasm_v128_or(byte_field(planes[m >> 1], 4 * (m & 1), 4, 0), byte_field(planes[4], m, 1, 4));
    case 4:
      return byte_field(planes[m >> 1], 4 * (m & 1), 4, 0);
    case 3:
      return wasm_v128_or(byte_field(planes[m >> 2], 2 * (m & 3), 2, 0), byte_field(planes[2], m, 1, 2));
    default:
      return byte_field(planes[m >> 2], 2 * (m & 3), 2, 0);
  }
}

/* Loads the bits * 16 bytes of one block. */
INLINE void load_block_planes(int32_t bits, const uint8_t* p, v128_t planes[8]) {
  for (int i = 0; i < bits; i++) {
    planes[i] = wasm_v128_load(p + 16 * i);
  }
}

#endif
