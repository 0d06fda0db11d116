/*
 * EXL2 matrix products of the relaxed-SIMD build, on the tiles of exl2_relaxed_tile.h. Each work item is
 * one tile (four output columns). One row (decode) runs four tiles of a thread's range at once, so four
 * memory streams are in flight, and reads their codes ahead (see stream_tiles). Several rows (prefill)
 * run in quads of four rows (see quad_lanes in common.h) over two adjacent tiles, whose codes stay in
 * cache while every quad reads them.
 *
 * Integer path: y = sum over chunks c of scale_g * xs_c * (sum over blocks b of m_b * sum_k code * xq -
 * correction_c), where xq are the 8-bit quantized activations of chunk c (up to 128 rows of one group),
 * xs_c the chunk's scale, m_b the block's integer multiplier of it, and correction_c the zero-point term
 * (all from exl2_quantize). Codes of up to 6 bits meet the activations in
 * `i16x8.relaxed_dot_i8x16_i7x16_s`, whose 16-bit sums are widened to i32 with `i32x4.dot_i16x8_s`
 * against m_b before they can overflow. 8-bit codes exceed the dot product's 7-bit operand, so they widen
 * to 16 bits and use `i32x4.dot_i16x8_s` directly.
 *
 * Exact path: f32 activations times (code - zero_point) converted to f32, summed per group, then scaled.
 */
#include "exl2_relaxed_tile.h"

/* Rows that share one decode of a block on the integer path: a quad. */
#define BATCH_ROWS QUAD_ROWS

/*
 * Fields whose 16-bit dot sums may be added before widening: a sum is at most 2 * 127 * (2^bits - 1) per
 * field, and 32767 bounds their total.
 */
INLINE int fields_per_widening(int32_t bits) {
  return bits <= 4 ? 8 : (bits == 5 ? 4 : 2);
}

/* The four activations x[4m .. 4m + 3] repeated across the vector. */
INLINE v128_t field_activations(const int8_t* xq, int m) {
  return wasm_v128_load32_splat(xq + 4 * m);
}

/*
 * One block of up to 6 bits for `rows` rows; adds per-column i32 sums times each row's block multiplier
 * (`multipliers[r]`) to `sums`.
 */
INLINE void relaxed_block(int32_t bits, const uint8_t* codes, int32_t rows, const int8_t* const* xq,
                          const int16_t* const* multipliers, v128_t* sums) {
  v128_t planes[8];
  v128_t partial[BATCH_ROWS];
  int per_widening = fields_per_widening(bits);
  load_block_planes(bits, codes, planes);
#pragma clang loop unroll(full)
  for (int m = 0; m < FIELDS_PER_BLOCK; m++) {
    v128_t weights = decode_field(bits, planes, m);
    for (int32_t r = 0; r < rows; r++) {
      v128_t products = relaxed_dot_i8x16_i7x16(field_activations(xq[r], m), weights);
      partial[r] = m % per_widening == 0 ? products : wasm_i16x8_add(partial[r], products);
      if ((m + 1) % per_widening == 0) {
        /* 16-bit lanes 2c and 2c + 1 belong to column c. */
        sums[r] = wasm_i32x4_add(sums[r], wasm_i32x4_dot_i16x8(partial[r], wasm_v128_load16_splat(multipliers[r])));
      }
    }
  }
}

/* One 8-bit block for `rows` rows: codes widen to 16 bits, columns 0-1 in the low half, 2-3 in the high. */
INLINE void wide_block(const uint8_t* codes, int32_t rows, const int8_t* const* xq,
                       const int16_t* const* multipliers, v128_t* sums) {
  v128_t low[BATCH_ROWS];
  v128_t high[BATCH_ROWS];
  for (int32_t r = 0; r < rows; r++) {
    low[r] = wasm_i32x4_splat(0);
    high[r] = wasm_i32x4_splat(0);
  }
#pragma clang loop unroll(full)
  for (int m = 0; m < FIELDS_PER_BLOCK; m++) {
    v128_t plane = wasm_v128_load(codes + 16 * m);
    v128_t columns01 = wasm_u16x8_extend_low_u8x16(plane);
    v128_t columns23 = wasm_u16x8_extend_high_u8x16(plane);
    for (int32_t r = 0; r < rows; r++) {
      v128_t x = wasm_i16x8_extend_low_i8x16(field_activations(xq[r], m));
      low[r] = wasm_i32x4_add(low[r], wasm_i32x4_dot_i16x8(columns01, x));
      high[r] = wasm_i32x4_add(high[r], wasm_i32x4_dot_i16x8(columns23, x));
    }
  }
  for (int32_t r = 0; r < rows; r++) {
    /* i32 lanes 2c and 2c + 1 of a half belong to its column c. */
    v128_t even = wasm_i32x4_shuffle(low[r], high[r], 0, 2, 4, 6);
    v128_t odd = wasm_i32x4_shuffle(low[r], high[r], 1, 3, 5, 7);
    v128_t multiplier = wasm_i32x4_splat(*multipliers[r]);
    sums[r] = wasm_i32x4_add(sums[r], wasm_i32x4_mul(wasm_i32x4_add(even, odd), multiplier));
  }
}

/*
 * Computes one group of one tile for `rows` rows (1, or the 4 of a quad, a constant after inlining) on
 * the integer path. `xq_quad`, `xs`, `corrections` and `multiplier_quad` point at the first row's values
 * in the layout of quad_lanes(rows).
 */
INLINE void quantized_group(int32_t bits, const uint8_t* codes, int32_t blocks, int32_t first_block,
                            int32_t first_chunk, v128_t scales, int32_t rows, const int8_t* xq_quad,
                            const float* xs, const float* corrections, const int16_t* multiplier_quad,
                            v128_t* out) {
  for (int32_t block = 0; block < blocks; block += CHUNK_BLOCKS) {
    int32_t chunk = first_chunk + block / CHUNK_BLOCKS;
    int32_t count = blocks - block < CHUNK_BLOCKS ? blocks - block : CHUNK_BLOCKS;
    v128_t sums[BATCH_ROWS];
    for (int32_t r = 0; r < rows; r++) {
      sums[r] = wasm_i32x4_splat(0);
    }
    for (int32_t i = 0; i < count; i++) {
      int32_t index = first_block + block + i;
      const int8_t* xq[BATCH_ROWS];
      const int16_t* multipliers[BATCH_ROWS];
      for (int32_t r = 0; r < rows; r++) {
        xq[r] = xq_quad + (index * rows + r) * BLOCK_ROWS;
        multipliers[r] = multiplier_quad + index * rows + r;
      }
      const uint8_t* block_codes = codes + (block + i) * bits * 16;
      if (bits == 8) {
        wide_block(block_codes, rows, xq, multipliers, sums);
      } else {
        relaxed_block(bits, block_codes, rows, xq, multipliers, sums);
      }
    }
    for (int32_t r = 0; r < rows; r++) {
      v128_t factor = wasm_f32x4_mul(scales, wasm_f32x4_splat(xs[chunk * rows + r]));
      v128_t values = wasm_f32x4_sub(wasm_f32x4_convert_i32x4(sums[r]), wasm_f32x4_splat(corrections[chunk * rows + r]));
      out[r] = wasm_f32x4_add(out[r], wasm_f32x4_mul(values, factor));
    }
  }
}

/* Runs quantized_group with the group's width as a constant. */
INLINE void quantized_tile_group(const Exl2Group* group, const uint8_t* codes, int32_t first_block,
                                 int32_t first_chunk, v128_t scales, int32_t rows, const int8_t* xq,
                                 const float* xs, const float* corrections, const int16_t* multipliers,
                                 v128_t* out) {
  /* A constant width per case lets the decoder and the row loop specialise. */
#define QUANTIZED_GROUP(bits)                                                                              \
  quantized_group(bits, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, corrections, \
                  multipliers, out)
  switch (group->bits) {
    case 8:
      QUANTIZED_GROUP(8);
      break;
    case 6:
      QUANTIZED_GROUP(6);
      break;
    case 5:
      QUANTIZED_GROUP(5);
      break;
    case 4:
      QUANTIZED_GROUP(4);
      break;
    case 3:
      QUANTIZED_GROUP(3);
      break;
    default:
      QUANTIZED_GROUP(2);
      break;
  }
#undef QUANTIZED_GROUP
}

/* Computes one row of one tile: the last tile of an odd range in decode. */
__attribute__((noinline)) static void quantized_tile_1(const Exl2Layer* layer, int32_t tile, const int8_t* xq,
                                                       const float* xs, const float* corrections,
                                                       const int16_t* multipliers, v128_t* out) {
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const uint8_t* codes = tile_codes(layer, tile);
  const uint8_t* nibbles = tile_nibbles(layer, tile);
  int32_t first_block = 0;
  int32_t first_chunk = 0;
  *out = wasm_f32x4_splat(0.0f);
  for (int32_t g = 0; g < layer->group_count; g++) {
    const Exl2Group* group = groups + g;
    v128_t scales = tile_group_scales(nibbles + 4 * g, group->scale_max);
    quantized_tile_group(group, codes + group->offset, first_block, first_chunk, scales, 1, xq, xs,
                         corrections, multipliers, out);
    first_block += group->blocks;
    first_chunk += (group->blocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
  }
}

/*
 * Adds the products of one field of two tiles (`weights_a`, `weights_b`) with the four rows' activations
 * of that field, which start at `x`, to the 16-bit sums of each row and tile.
 */
INLINE void quad_field(v128_t weights_a, v128_t weights_b, const int8_t* x, v128_t* part_a, v128_t* part_b) {
  for (int r = 0; r < QUAD_ROWS; r++) {
    v128_t inputs = wasm_v128_load32_splat(x + BLOCK_ROWS * r);
    part_a[r] = wasm_i16x8_add(part_a[r], relaxed_dot_i8x16_i7x16(inputs, weights_a));
    part_b[r] = wasm_i16x8_add(part_b[r], relaxed_dot_i8x16_i7x16(inputs, weights_b));
  }
}

/* Adds the 16-bit sums of each row and tile times the row's block multiplier to the 32-bit sums. */
INLINE void quad_widen(const int16_t* multipliers, const v128_t* part_a, const v128_t* part_b, v128_t* sums_a,
                       v128_t* sums_b) {
  for (int r = 0; r < QUAD_ROWS; r++) {
    v128_t multiplier = wasm_v128_load16_splat(multipliers + r);
    sums_a[r] = wasm_i32x4_add(sums_a[r], wasm_i32x4_dot_i16x8(part_a[r], multiplier));
    sums_b[r] = wasm_i32x4_add(sums_b[r], wasm_i32x4_dot_i16x8(part_b[r], multiplier));
  }
}

/* Sets the 16-bit sums of each row and tile to zero. */
INLINE void quad_clear(v128_t* part_a, v128_t* part_b) {
  for (int r = 0; r < QUAD_ROWS; r++) {
    part_a[r] = wasm_i16x8_splat(0);
    part_b[r] = wasm_i16x8_splat(0);
  }
}

/*
 * Multiplies the 4-bit blocks of one chunk of two tiles with the four rows of a quad and adds each
 * block's sums times its multipliers to `sums_a` and `sums_b`. Each loaded activation vector serves both tiles. One loop
 * iteration takes one plane of each tile, so both of its fields decode with constant shifts. A loop over
 * single fields shifts by a variable, which V8 builds from four instructions; it ran 17% slower in
 * scripts/bench-matmul.ts. V8 loads all eight activation vectors of an iteration first and spills some
 * of them, but splitting the rows into two passes to avoid that was 7% slower.
 */
INLINE void quad_chunk_4bit(const uint8_t* codes_a, const uint8_t* codes_b, int32_t blocks, const int8_t* xq,
                            const int16_t* multipliers, v128_t* sums_a, v128_t* sums_b) {
  v128_t mask = wasm_i8x16_splat(0x0f);
#pragma clang loop unroll(disable)
  for (int32_t b = 0; b < blocks; b++) {
    const uint8_t* a = codes_a + 64 * b;
    const uint8_t* c = codes_b + 64 * b;
    const int8_t* x = xq + 4 * BLOCK_ROWS * b;
    v128_t part_a[QUAD_ROWS];
    v128_t part_b[QUAD_ROWS];
    quad_clear(part_a, part_b);
#pragma clang loop unroll(disable)
    for (int32_t plane = 0; plane < FIELDS_PER_BLOCK / 2; plane++) {
      /* Plane p contains field 2p in its low nibbles and field 2p + 1 in its high ones. */
      v128_t plane_a = wasm_v128_load(a + 16 * plane);
      v128_t plane_b = wasm_v128_load(c + 16 * plane);
      quad_field(wasm_v128_and(plane_a, mask), wasm_v128_and(plane_b, mask), x + 8 * plane, part_a, part_b);
      quad_field(wasm_v128_and(wasm_u16x8_shr(plane_a, 4), mask), wasm_v128_and(wasm_u16x8_shr(plane_b, 4), mask),
                 x + 8 * plane + 4, part_a, part_b);
    }
    quad_widen(multipliers + QUAD_ROWS * b, part_a, part_b, sums_a, sums_b);
  }
}

/* Decodes the eight fields of one block of up to 6 bits into `fields`. */
INLINE void decode_block(int32_t bits, const uint8_t* codes, v128_t* fields) {
  v128_t planes[8];
  load_block_planes(bits, codes, planes);
#pragma clang loop unroll(full)
  for (int m = 0; m < FIELDS_PER_BLOCK; m++) {
    fields[m] = decode_field(bits, planes, m);
  }
}

/*
 * Computes the sums of quad_chunk_4bit for blocks of 2, 3, 5 or 6 bits. Their fields take shifts that
 * vary from field to field, so each block of both tiles is first decoded with constant shifts into 16
 * vectors on the stack, which the loop then reads. 16-bit sums of 5 and 6 bits widen after each pair.
 */
INLINE void quad_chunk_staged(int32_t bits, const uint8_t* codes_a, const uint8_t* codes_b, int32_t blocks,
                              const int8_t* xq, const int16_t* multipliers, v128_t* sums_a, v128_t* sums_b) {
  v128_t fields[2 * FIELDS_PER_BLOCK];
  int widen_each_pair = bits > 4;
#pragma clang loop unroll(disable)
  for (int32_t b = 0; b < blocks; b++) {
    decode_block(bits, codes_a + bits * 16 * b, fields);
    decode_block(bits, codes_b + bits * 16 * b, fields + FIELDS_PER_BLOCK);
    const int8_t* x = xq + 4 * BLOCK_ROWS * b;
    v128_t part_a[QUAD_ROWS];
    v128_t part_b[QUAD_ROWS];
    quad_clear(part_a, part_b);
#pragma clang loop unroll(disable)
    for (int32_t pair = 0; pair < FIELDS_PER_BLOCK / 2; pair++) {
      for (int half = 0; half < 2; half++) {
        int32_t field = 2 * pair + half;
        quad_field(fields[field], fields[FIELDS_PER_BLOCK + field], x + 4 * field, part_a, part_b);
      }
      if (widen_each_pair) {
        quad_widen(multipliers + QUAD_ROWS * b, part_a, part_b, sums_a, sums_b);
        quad_clear(part_a, part_b);
      }
    }
    if (!widen_each_pair) {
      quad_widen(multipliers + QUAD_ROWS * b, part_a, part_b, sums_a, sums_b);
    }
  }
}

/*
 * Computes one group of up to 6 bits of two tiles for the four rows of a quad. `xq`, `xs`, `corrections`
 * and `multipliers` point at the quad's values.
 */
INLINE void quad_group(int32_t bits, const uint8_t* codes_a, const uint8_t* codes_b, int32_t blocks,
                       int32_t first_block, int32_t first_chunk, v128_t scales_a, v128_t scales_b,
                       const int8_t* xq, const float* xs, const float* corrections, const int16_t* multipliers,
                       v128_t* out_a, v128_t* out_b) {
  for (int32_t block = 0; block < blocks; block += CHUNK_BLOCKS) {
    int32_t chunk = first_chunk + block / CHUNK_BLOCKS;
    int32_t count = blocks - block < CHUNK_BLOCKS ? blocks - block : CHUNK_BLOCKS;
    v128_t sums_a[QUAD_ROWS];
    v128_t sums_b[QUAD_ROWS];
    for (int r = 0; r < QUAD_ROWS; r++) {
      sums_a[r] = wasm_i32x4_splat(0);
      sums_b[r] = wasm_i32x4_splat(0);
    }
    int32_t index = first_block + block;
    const int8_t* chunk_xq = xq + index * QUAD_ROWS * BLOCK_ROWS;
    const int16_t* chunk_multipliers = multipliers + index * QUAD_ROWS;
    int32_t offset = bits * 16 * block;
    if (bits == 4) {
      quad_chunk_4bit(codes_a + offset, codes_b + offset, count, chunk_xq, chunk_multipliers, sums_a, sums_b);
    } else {
      quad_chunk_staged(bits, codes_a + offset, codes_b + offset, count, chunk_xq, chunk_multipliers, sums_a,
                        sums_b);
    }
    for (int r = 0; r < QUAD_ROWS; r++) {
      v128_t xs_r = wasm_v128_load32_splat(xs + chunk * QUAD_ROWS + r);
      v128_t correction = wasm_v128_load32_splat(corrections + chunk * QUAD_ROWS + r);
      v128_t values_a = wasm_f32x4_sub(wasm_f32x4_convert_i32x4(sums_a[r]), correction);
      v128_t values_b = wasm_f32x4_sub(wasm_f32x4_convert_i32x4(sums_b[r]), correction);
      out_a[r] = wasm_f32x4_add(out_a[r], wasm_f32x4_mul(values_a, wasm_f32x4_mul(scales_a, xs_r)));
      out_b[r] = wasm_f32x4_add(out_b[r], wasm_f32x4_mul(values_b, wasm_f32x4_mul(scales_b, xs_r)));
    }
  }
}

/*
 * Computes the four rows of a quad for two tiles. Groups of up to 6 bits run both tiles at once, and
 * 8-bit groups one tile after the other. The last tile of an odd range passes itself as `tile_b`.
 */
__attribute__((noinline)) static void quad_tiles(const Exl2Layer* layer, int32_t tile_a, int32_t tile_b,
                                                 const int8_t* xq, const float* xs, const float* corrections,
                                                 const int16_t* multipliers, v128_t* out_a, v128_t* out_b) {
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const uint8_t* codes_a = tile_codes(layer, tile_a);
  const uint8_t* codes_b = tile_codes(layer, tile_b);
  const uint8_t* nibbles_a = tile_nibbles(layer, tile_a);
  const uint8_t* nibbles_b = tile_nibbles(layer, tile_b);
  int32_t first_block = 0;
  int32_t first_chunk = 0;
  for (int r = 0; r < QUAD_ROWS; r++) {
    out_a[r] = wasm_f32x4_splat(0.0f);
    out_b[r] = wasm_f32x4_splat(0.0f);
  }
  for (int32_t g = 0; g < layer->group_count; g++) {
    const Exl2Group* group = groups + g;
    v128_t scales_a = tile_group_scales(nibbles_a + 4 * g, group->scale_max);
    v128_t scales_b = tile_group_scales(nibbles_b + 4 * g, group->scale_max);
#define QUAD_GROUP(bits)                                                                                    \
  quad_group(bits, codes_a + group->offset, codes_b + group->offset, group->blocks, first_block, first_chunk, \
             scales_a, scales_b, xq, xs, corrections, multipliers, out_a, out_b)
    switch (group->bits) {
      case 8:
        /* 8-bit codes widen to 16 bits, so the tiles run one after the other (see wide_block). */
        quantized_group(8, codes_a + group->offset, group->blocks, first_block, first_chunk, scales_a, QUAD_ROWS,
                        xq, xs, corrections, multipliers, out_a);
        quantized_group(8, codes_b + group->offset, group->blocks, first_block, first_chunk, scales_b, QUAD_ROWS,
                        xq, xs, corrections, multipliers, out_b);
        break;
      case 6:
        QUAD_GROUP(6);
        break;
      case 5:
        QUAD_GROUP(5);
        break;
      case 4:
        QUAD_GROUP(4);
        break;
      case 3:
        QUAD_GROUP(3);
        break;
      default:
        QUAD_GROUP(2);
        break;
    }
#undef QUAD_GROUP
    first_block += group->blocks;
    first_chunk += (group->blocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
  }
}

/*
 * The 4-bit blocks of one chunk of two tiles for one row, half a block (two planes of each tile) per
 * loop iteration. V8 issues a basic block's loads before its arithmetic, so every loaded vector stays
 * live until it is used: an unrolled block of two tiles (24 loads) spilled to the stack, a half block (8
 * loads) fits in the registers.
 */
INLINE void paired_chunk_4bit(const uint8_t* codes_a, const uint8_t* codes_b, int32_t blocks, const int8_t* xq,
                              const int16_t* multipliers, v128_t* sum_a, v128_t* sum_b) {
  v128_t mask = wasm_i8x16_splat(0x0f);
  v128_t total_a = *sum_a;
  v128_t total_b = *sum_b;
#pragma clang loop unroll(disable)
  for (int32_t half = 0; half < 2 * blocks; half++) {
    const uint8_t* a = codes_a + 32 * half;
    const uint8_t* b = codes_b + 32 * half;
    const int8_t* x = xq + 16 * half;
    v128_t a0 = wasm_v128_load(a);
    v128_t a1 = wasm_v128_load(a + 16);
    v128_t b0 = wasm_v128_load(b);
    v128_t b1 = wasm_v128_load(b + 16);
    v128_t x0 = wasm_v128_load32_splat(x);
    v128_t x1 = wasm_v128_load32_splat(x + 4);
    v128_t x2 = wasm_v128_load32_splat(x + 8);
    v128_t x3 = wasm_v128_load32_splat(x + 12);
    v128_t m = wasm_v128_load16_splat(multipliers + (half >> 1));
    v128_t part_a = wasm_i16x8_add(
        wasm_i16x8_add(relaxed_dot_i8x16_i7x16(x0, wasm_v128_and(a0, mask)),
                       relaxed_dot_i8x16_i7x16(x1, wasm_v128_and(wasm_u16x8_shr(a0, 4), mask))),
        wasm_i16x8_add(relaxed_dot_i8x16_i7x16(x2, wasm_v128_and(a1, mask)),
                       relaxed_dot_i8x16_i7x16(x3, wasm_v128_and(wasm_u16x8_shr(a1, 4), mask))));
    v128_t part_b = wasm_i16x8_add(
        wasm_i16x8_add(relaxed_dot_i8x16_i7x16(x0, wasm_v128_and(b0, mask)),
                       relaxed_dot_i8x16_i7x16(x1, wasm_v128_and(wasm_u16x8_shr(b0, 4), mask))),
        wasm_i16x8_add(relaxed_dot_i8x16_i7x16(x2, wasm_v128_and(b1, mask)),
                       relaxed_dot_i8x16_i7x16(x3, wasm_v128_and(wasm_u16x8_shr(b1, 4), mask))));
    total_a = wasm_i32x4_add(total_a, wasm_i32x4_dot_i16x8(part_a, m));
    total_b = wasm_i32x4_add(total_b, wasm_i32x4_dot_i16x8(part_b, m));
  }
  *sum_a = total_a;
  *sum_b = total_b;
}

/*
 * One group of two tiles for one row. The blocks of the two tiles interleave, so the loads of two
 * memory streams are in flight at once: one stream per thread left the product short of the memory's
 * speed (about 10% fewer GB/s in a one-thread test).
 */
INLINE void paired_group(int32_t bits, const uint8_t* codes_a, const uint8_t* codes_b, int32_t blocks,
                         int32_t first_block, int32_t first_chunk, v128_t scales_a, v128_t scales_b,
                         const int8_t* xq_row, const float* xs_row, const float* correction_row,
                         const int16_t* multiplier_row, v128_t* out_a, v128_t* out_b) {
  for (int32_t block = 0; block < blocks; block += CHUNK_BLOCKS) {
    int32_t chunk = first_chunk + block / CHUNK_BLOCKS;
    int32_t count = blocks - block < CHUNK_BLOCKS ? blocks - block : CHUNK_BLOCKS;
    v128_t sum_a = wasm_i32x4_splat(0);
    v128_t sum_b = wasm_i32x4_splat(0);
    if (bits == 4) {
      int32_t offset = block * 64;
      paired_chunk_4bit(codes_a + offset, codes_b + offset, count, xq_row + (first_block + block) * BLOCK_ROWS,
                        multiplier_row + first_block + block, &sum_a, &sum_b);
    } else if (bits == 8 || bits == 2) {
      for (int32_t i = 0; i < count; i++) {
        int32_t index = first_block + block + i;
        const int8_t* xq = xq_row + index * BLOCK_ROWS;
        const int16_t* multiplier = multiplier_row + index;
        int32_t offset = (block + i) * bits * 16;
        if (bits == 8) {
          wide_block(codes_a + offset, 1, &xq, &multiplier, &sum_a);
          wide_block(codes_b + offset, 1, &xq, &multiplier, &sum_b);
        } else {
          relaxed_block(bits, codes_a + offset, 1, &xq, &multiplier, &sum_a);
          relaxed_block(bits, codes_b + offset, 1, &xq, &multiplier, &sum_b);
        }
      }
    } else {
      /* 3-, 5- and 6-bit blocks decode from two sub-planes; interleaved, they spill and run slower. */
      for (int32_t i = 0; i < count; i++) {
        int32_t index = first_block + block + i;
        const int8_t* xq = xq_row + index * BLOCK_ROWS;
        const int16_t* multiplier = multiplier_row + index;
        relaxed_block(bits, codes_a + (block + i) * bits * 16, 1, &xq, &multiplier, &sum_a);
      }
      for (int32_t i = 0; i < count; i++) {
        int32_t index = first_block + block + i;
        const int8_t* xq = xq_row + index * BLOCK_ROWS;
        const int16_t* multiplier = multiplier_row + index;
        relaxed_block(bits, codes_b + (block + i) * bits * 16, 1, &xq, &multiplier, &sum_b);
      }
    }
    v128_t correction = wasm_f32x4_splat(correction_row[chunk]);
    v128_t xs = wasm_f32x4_splat(xs_row[chunk]);
    v128_t values_a = wasm_f32x4_sub(wasm_f32x4_convert_i32x4(sum_a), correction);
    v128_t values_b = wasm_f32x4_sub(wasm_f32x4_convert_i32x4(sum_b), correction);
    *out_a = wasm_f32x4_add(*out_a, wasm_f32x4_mul(values_a, wasm_f32x4_mul(scales_a, xs)));
    *out_b = wasm_f32x4_add(*out_b, wasm_f32x4_mul(values_b, wasm_f32x4_mul(scales_b, xs)));
  }
}

/* Most tiles of one row that run together in decode: two pairs, each pair one paired_group. */
#define STREAM_TILES 4

/*
 * Computes one row of `pairs` pairs of tiles (1 or 2, a constant after inlining). Pair p is tiles[2p]
 * and tiles[2p + 1]. Before each group, one burst of loads reads the codes of every tile `read_ahead`
 * bytes ahead, unless it is 0 (see common.h). On a 2-core Intel KVM guest a burst per pair instead of one for all
 * four gave 19.6 GB/s against 20.5, and eight tiles 16.2.
 */
INLINE void stream_tiles(const Exl2Layer* layer, const int32_t* tiles, int32_t pairs, int32_t read_ahead,
                         const int8_t* xq, const float* xs, const float* corrections, const int16_t* multipliers,
                         v128_t* out) {
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const uint8_t* codes[STREAM_TILES];
  const uint8_t* nibbles[STREAM_TILES];
  for (int32_t t = 0; t < 2 * pairs; t++) {
    codes[t] = tile_codes(layer, tiles[t]);
    nibbles[t] = tile_nibbles(layer, tiles[t]);
    out[t] = wasm_f32x4_splat(0.0f);
  }
  int32_t first_block = 0;
  int32_t first_chunk = 0;
  for (int32_t g = 0; g < layer->group_count; g++) {
    const Exl2Group* group = groups + g;
    read_group_ahead(codes, 2 * pairs, group, read_ahead);
    v128_t scales[STREAM_TILES];
    for (int32_t t = 0; t < 2 * pairs; t++) {
      scales[t] = tile_group_scales(nibbles[t] + 4 * g, group->scale_max);
    }
#define PAIRED_GROUP(bits)                                                                                    \
  for (int32_t p = 0; p < pairs; p++) {                                                                       \
    paired_group(bits, codes[2 * p] + group->offset, codes[2 * p + 1] + group->offset, group->blocks,           \
                 first_block, first_chunk, scales[2 * p], scales[2 * p + 1], xq, xs, corrections, multipliers, \
                 &out[2 * p], &out[2 * p + 1]);                                                                \
  }
    switch (group->bits) {
      case 8:
        PAIRED_GROUP(8);
        break;
      case 6:
        PAIRED_GROUP(6);
        break;
      case 5:
        PAIRED_GROUP(5);
        break;
      case 4:
        PAIRED_GROUP(4);
        break;
      case 3:
        PAIRED_GROUP(3);
        break;
      default:
        PAIRED_GROUP(2);
        break;
    }
#undef PAIRED_GROUP
    first_block += group->blocks;
    first_chunk += (group->blocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
  }
}

/* Computes four tiles of one row (see stream_tiles). */
__attribute__((noinline)) static void four_tiles(const Exl2Layer* layer, const int32_t* tiles, int32_t read_ahead,
                                                 const int8_t* xq, const float* xs, const float* corrections,
                                                 const int16_t* multipliers, v128_t* out) {
  stream_tiles(layer, tiles, 2, read_ahead, xq, xs, corrections, multipliers, out);
}

/* Computes two tiles of one row (see stream_tiles). */
__attribute__((noinline)) static void two_tiles(const Exl2Layer* layer, const int32_t* tiles, int32_t read_ahead,
                                                const int8_t* xq, const float* xs, const float* corrections,
                                                const int16_t* multipliers, v128_t* out) {
  stream_tiles(layer, tiles, 1, read_ahead, xq, xs, corrections, multipliers, out);
}

/*
 * args: 0 layer, 1 xq, 2 chunk scales, 3 chunk corrections (from exl2_quantize, in the layout of
 * quad_lanes(rows)), 4 rows, 5 out (f32 [rows][out_features]), 6 block multipliers (from exl2_quantize),
 * 7 read-ahead distance of one-row products (0 or READ_AHEAD_BYTES), 8 memory streams per thread of
 * one-row products (2 or 4). Items are tiles.
 */
void exl2_matmul_quantized(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  int32_t rows = job->args[4];
  int32_t chunks = layer->scale_chunks;
  const float* bias = (const float*)layer->bias_ptr;
  const int8_t* xq = (const int8_t*)job->args[1];
  const float* xs = (const float*)job->args[2];
  const float* corrections = (const float*)job->args[3];
  const int16_t* multipliers = (const int16_t*)job->args[6];
  float* y = (float*)job->args[5];
  int32_t read_ahead = job->args[7];

  if (rows == 1) {
    /* The range splits into `streams` parts, and tile i of every part runs together, so each thread
       reads that many memory streams (see common.h). */
    int32_t streams = job->args[8] == STREAM_TILES ? STREAM_TILES : 2;
    int32_t part = (end - begin) / streams;
    for (int32_t i = 0; i < part; i++) {
      int32_t tiles[STREAM_TILES];
      v128_t out[STREAM_TILES];
      for (int32_t t = 0; t < streams; t++) {
        tiles[t] = begin + t * part + i;
      }
      if (streams == STREAM_TILES) {
        four_tiles(layer, tiles, read_ahead, xq, xs, corrections, multipliers, out);
      } else {
        two_tiles(layer, tiles, read_ahead, xq, xs, corrections, multipliers, out);
      }
      for (int32_t t = 0; t < streams; t++) {
        store_columns(y, out[t], bias, tiles[t] * TILE_COLS, layer->out_features);
      }
    }
    begin += streams * part;
    if (begin + 1 < end) {
      int32_t tiles[2] = {begin, begin + 1};
      v128_t out[2];
      two_tiles(layer, tiles, read_ahead, xq, xs, corrections, multipliers, out);
      store_columns(y, out[0], bias, begin * TILE_COLS, layer->out_features);
      store_columns(y, out[1], bias, (begin + 1) * TILE_COLS, layer->out_features);
      begin += 2;
    }
    if (begin < end) {
      v128_t out;
      quantized_tile_1(layer, end - 1, xq, xs, corrections, multipliers, &out);
      store_columns(y, out, bias, (end - 1) * TILE_COLS, layer->out_features);
    }
    return;
  }

  /* Adjacent tiles run together, and every quad of rows reads them while they stay in cache. */
  for (int32_t tile = begin; tile < end; tile += 2) {
    int32_t tile_b = tile + 1 < end ? tile + 1 : tile;
    for (int32_t row = 0; row < rows; row += QUAD_ROWS) {
      v128_t out_a[QUAD_ROWS];
      v128_t out_b[QUAD_ROWS];
      quad_tiles(layer, tile, tile_b, xq + row * layer->padded_k, xs + row * chunks, corrections + row * chunks,
                 multipliers + row * (layer->padded_k / BLOCK_ROWS), out_a, out_b);
      int32_t count = rows - row < QUAD_ROWS ? rows - row : QUAD_ROWS;
      for (int32_t r = 0; r < count; r++) {
        float* y_row = y + (row + r) * layer->out_features;
        store_columns(y_row, out_a[r], bias, tile * TILE_COLS, layer->out_features);
        if (tile_b != tile) {
          store_columns(y_row, out_b[r], bias, tile_b * TILE_COLS, layer->out_features);
        }
      }
    }
  }
}

/* Sums of each of four vectors, as one vector: lane c = sum of the lanes of v[c]. */
INLINE v128_t transpose_sum(v128_t v0, v128_t v1, v128_t v2, v128_t v3) {
  v128_t s01 = wasm_f32x4_add(wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7));
  v128_t s23 = wasm_f32x4_add(wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5), wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7));
}

INLINE v128_t f32_group(int32_t bits, const uint8_t* codes, int32_t blocks, const float* x) {
  v128_t zero_point = wasm_i16x8_splat((int16_t)(1 << (bits - 1)));
  v128_t column[4];
  for (int c = 0; c < 4; c++) {
    column[c] = wasm_f32x4_splat(0.0f);
  }
  for (int32_t block = 0; block < blocks; block++) {
    v128_t planes[8];
    load_block_planes(bits, codes + block * bits * 16, planes);
    const float* xb = x + block * BLOCK_ROWS;
#pragma clang loop unroll(full)
    for (int m = 0; m < FIELDS_PER_BLOCK; m++) {
      v128_t field = decode_field(bits, planes, m);
      v128_t inputs = wasm_v128_load(xb + 4 * m);
      v128_t columns01 = wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(field), zero_point);
      v128_t columns23 = wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(field), zero_point);
      v128_t w0 = small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(columns01));
      v128_t w1 = small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(columns01));
      v128_t w2 = small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(columns23));
      v128_t w3 = small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(columns23));
      column[0] = wasm_f32x4_add(column[0], wasm_f32x4_mul(w0, inputs));
      column[1] = wasm_f32x4_add(column[1], wasm_f32x4_mul(w1, inputs));
      column[2] = wasm_f32x4_add(column[2], wasm_f32x4_mul(w2, inputs));
      column[3] = wasm_f32x4_add(column[3], wasm_f32x4_mul(w3, inputs));
    }
  }
  return transpose_sum(column[0], column[1], column[2], column[3]);
}

#include "exl2_f32_product.h"
