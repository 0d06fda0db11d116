/*
 * The repacked EXL2 tile layout and its SIMD decoder.
 *
 * A block is 32 stored rows by 4 output columns (128 codes) and takes exactly bits * 16 bytes, the same
 * as the packed file format. It decodes into 16 "pair vectors" of eight u16 lanes. Pair vector p contains
 * rows 2p and 2p + 1, in lane 2c + (k % 2) for column c and row k. `i32x4.dot_i16x8_s` of a pair vector with
 * the broadcast activation pair (x[2p], x[2p + 1]) gives the four per-column partial sums.
 *
 * Codes are stored in 16-bit lanes, so every pair vector decodes with lane shifts and masks. Widths 8,
 * 4 and 2 fill a lane: lane l of vector j contains the code of pair vector (16 / w) * j + s at bits w * s.
 * Width 6 is a 4-bit plane followed by a 2-bit plane of the high bits, laid out the same way. Widths 3
 * and 5 put floor(16 / w) codes in bits 0..14 of each of the w vectors (pair vector 5j + s or 3j + s at
 * bits w * s) and spread the 16th code over the spare bit 15: its bit j is bit 15 of vector j.
 */
#ifndef MINICHAT_KERNELS_EXL2_TILE_H
#define MINICHAT_KERNELS_EXL2_TILE_H

#include "common.h"

/* Pair vectors per block. */
#define PAIRS_PER_BLOCK 16

/* Lane of row k (0..31 within the block) and column c inside its pair vector k / 2. */
INLINE int32_t tile_lane(int32_t k, int32_t c) {
  return 2 * c + (k & 1);
}

/* Bits [shift, shift + width) of each u16 lane, moved to bit `position`. All arguments are constants. */
INLINE v128_t lane_field(v128_t v, int shift, int width, int position) {
  v128_t moved = v;
  if (position > shift) {
    moved = wasm_i16x8_shl(v, position - shift);
  } else if (position < shift) {
    moved = wasm_u16x8_shr(v, shift - position);
  }
  if (position == 0 && shift + width == 16) {
    return moved; /* the right shift already cleared the bits above the field */
  }
  return wasm_v128_and(moved, wasm_i16x8_splat((int16_t)(((1 << width) - 1) << position)));
}

/* Loads the bits * 16 bytes of one block. */
INLINE void load_planes(int32_t bits, const uint8_t* p, v128_t planes[8]) {
  for (int i = 0; i < bits; i++) {
    planes[i] = wasm_v128_load(p + 16 * i);
  }
}

/* Pair vector `pair` of a 3- or 5-bit block, whose last pair vector is spread over the spare bits. */
INLINE v128_t decode_spare_bit_pair(int32_t bits, const v128_t planes[8], int pair) {
  int per_vector = 16 / bits;
  if (pair < PAIRS_PER_BLOCK - 1) {
    return lane_field(planes[pair / per_vector], bits * (pair % per_vector), bits, 0);
  }
  v128_t code = lane_field(planes[0], 15, 1, 0);
  for (int j = 1; j < bits; j++) {
    code = wasm_v128_or(code, lane_field(planes[j], 15, 1, j));
  }
  return code;
}

/* Pair vector `pair` of a block (unsigned codes, zero point not removed). `bits` and `pair` are constants. */
INLINE v128_t decode_pair(int32_t bits, const v128_t planes[8], int pair) {
  switch (bits) {
    case 8:
      return lane_field(planes[pair >> 1], 8 * (pair & 1), 8, 0);
    case 6:
      return wasm_v128_or(lane_field(planes[pair >> 2], 4 * (pair & 3), 4, 0),
                          lane_field(planes[4 + (pair >> 3)], 2 * (pair & 7), 2, 4));
    case 5:
      return decode_spare_bit_pair(5, planes, pair);
    case 4:
      return lane_field(planes[pair >> 2], 4 * (pair & 3), 4, 0);
    case 3:
      return decode_spare_bit_pair(3, planes, pair);
    default:
      return lane_field(planes[pair >> 3], 2 * (pair & 7), 2, 0);
  }
}

#endif
