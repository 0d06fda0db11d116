/*
 * The repacked EXL2 tile layout and its SIMD decoder.
 *
 * A block is 32 stored rows by 4 output columns (128 codes) and takes exactly bits * 16 bytes, the same
 * as the packed file format. It is decoded into eight 16-byte vectors; vector i holds rows 4i..4i+3 with
 * byte (k / 2 % 2) * 8 + 2 * c + k % 2 for row k and column c. Widening the low or high half to i16 then
 * gives lanes ordered (c0 k0, c0 k1, c1 k0, ..., c3 k1), which `i32x4.dot_i16x8_s` against a broadcast
 * pair (x k0, x k1) turns into four per-column sums.
 *
 * Codes are stored as bit planes so every plane decodes with byte shifts and masks:
 *   8 bits: [8]          6 bits: [4 low, 2 high]   5 bits: [4 low, 1 high]
 *   4 bits: [4]          3 bits: [2 low, 1 high]   2 bits: [2]
 * A 4-bit plane is 4 vectors (vector j: low nibbles = decoded vector 2j, high nibbles = 2j + 1), a 2-bit
 * plane is 2 vectors (vector j, bits 2s..2s+1 = decoded vector 4j + s) and a 1-bit plane is 1 vector
 * (bit s = decoded vector s).
 */
#ifndef MINICHAT_KERNELS_EXL2_TILE_H
#define MINICHAT_KERNELS_EXL2_TILE_H

#include "common.h"

/* Byte position of row k (0..31 within the block) and column c inside its decoded vector k / 4. */
INLINE int32_t tile_byte_position(int32_t k, int32_t c) {
  return ((k >> 1) & 1) * 8 + 2 * c + (k & 1);
}

INLINE void decode_plane4(const uint8_t* p, v128_t out[8]) {
  const v128_t mask = wasm_i8x16_splat(0x0f);
  for (int j = 0; j < 4; j++) {
    v128_t packed = wasm_v128_load(p + 16 * j);
    out[2 * j] = wasm_v128_and(packed, mask);
    out[2 * j + 1] = wasm_u8x16_shr(packed, 4);
  }
}

INLINE void decode_plane2(const uint8_t* p, v128_t out[8]) {
  const v128_t mask = wasm_i8x16_splat(0x03);
  for (int j = 0; j < 2; j++) {
    v128_t packed = wasm_v128_load(p + 16 * j);
    out[4 * j] = wasm_v128_and(packed, mask);
    out[4 * j + 1] = wasm_v128_and(wasm_u8x16_shr(packed, 2), mask);
    out[4 * j + 2] = wasm_v128_and(wasm_u8x16_shr(packed, 4), mask);
    out[4 * j + 3] = wasm_u8x16_shr(packed, 6);
  }
}

INLINE void decode_plane1(const uint8_t* p, v128_t out[8]) {
  const v128_t mask = wasm_i8x16_splat(0x01);
  v128_t packed = wasm_v128_load(p);
  out[0] = wasm_v128_and(packed, mask);
  out[1] = wasm_v128_and(wasm_u8x16_shr(packed, 1), mask);
  out[2] = wasm_v128_and(wasm_u8x16_shr(packed, 2), mask);
  out[3] = wasm_v128_and(wasm_u8x16_shr(packed, 3), mask);
  out[4] = wasm_v128_and(wasm_u8x16_shr(packed, 4), mask);
  out[5] = wasm_v128_and(wasm_u8x16_shr(packed, 5), mask);
  out[6] = wasm_v128_and(wasm_u8x16_shr(packed, 6), mask);
  out[7] = wasm_u8x16_shr(packed, 7);
}

/* Decodes one block of `bits`-bit codes (unsigned, zero point not removed). `bits` must be a constant. */
INLINE void decode_block(int32_t bits, const uint8_t* p, v128_t out[8]) {
  v128_t high[8];
  switch (bits) {
    case 8:
      for (int i = 0; i < 8; i++) {
        out[i] = wasm_v128_load(p + 16 * i);
      }
      return;
    case 6:
      decode_plane4(p, out);
      decode_plane2(p + 64, high);
      for (int i = 0; i < 8; i++) {
        out[i] = wasm_v128_or(out[i], wasm_i8x16_shl(high[i], 4));
      }
      return;
    case 5:
      decode_plane4(p, out);
      decode_plane1(p + 64, high);
      for (int i = 0; i < 8; i++) {
        out[i] = wasm_v128_or(out[i], wasm_i8x16_shl(high[i], 4));
      }
      return;
    case 4:
      decode_plane4(p, out);
      return;
    case 3:
      decode_plane2(p, out);
      decode_plane1(p + 32, high);
      for (int i = 0; i < 8; i++) {
        out[i] = wasm_v128_or(out[i], wasm_i8x16_shl(high[i], 2));
      }
      return;
    default:
      decode_plane2(p, out);
      return;
  }
}

/* The per-column scales (s + 1)^2 * scale_max of one group of one tile. */
INLINE v128_t tile_group_scales(const uint8_t* nibbles, float scale_max) {
  v128_t codes = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(nibbles)));
  v128_t steps = wasm_i32x4_add(codes, wasm_i32x4_splat(1));
  v128_t squares = wasm_f32x4_convert_i32x4(wasm_i32x4_mul(steps, steps));
  return wasm_f32x4_mul(squares, wasm_f32x4_splat(scale_max));
}

/* Stores four output columns, or fewer at the right edge, adding the bias when there is one. */
INLINE void store_columns(float* out, v128_t values, const float* bias, int32_t column, int32_t columns) {
  if (column + 4 <= columns) {
    if (bias) {
      values = wasm_f32x4_add(values, wasm_v128_load(bias + column));
    }
    wasm_v128_store(out + column, values);
    return;
  }
  float lanes[4];
  wasm_v128_store(lanes, values);
  for (int32_t c = 0; column + c < columns; c++) {
    out[column + c] = lanes[c] + (bias ? bias[column + c] : 0.0f);
  }
}

#endif
