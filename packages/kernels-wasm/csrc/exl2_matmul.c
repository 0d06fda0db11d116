/*
 * EXL2 matrix products on repacked tiles. Each work item is one tile (four output columns); the
 * tile's codes stay in cache while every row of the batch reads them.
 *
 * Integer path: y = sum over chunks of scale_g * xs_c * (sum_k code * xq - zero_point * sum_k xq), where
 * xq are the 16-bit quantized activations of chunk c (up to 128 rows of one group) with scale xs_c. The zero point is folded into the block sum so
 * unsigned codes widen straight to i16.
 *
 * Exact path: f32 activations times (code - zero_point) converted to f32, summed per group, then scaled.
 */
#include "exl2_tile.h"

/* Rows that share one decode of a block on the integer path; more rows spill registers in V8. */
#define BATCH_ROWS 2

INLINE void quantized_block(int32_t bits, const uint8_t* codes, int32_t rows, const int16_t* const* xq, v128_t* sums) {
  v128_t planes[8];
  load_planes(bits, codes, planes);
#pragma clang loop unroll(full)
  for (int pair = 0; pair < PAIRS_PER_BLOCK; pair++) {
    v128_t weights = decode_pair(bits, planes, pair);
    for (int32_t r = 0; r < rows; r++) {
      sums[r] = wasm_i32x4_add(sums[r], wasm_i32x4_dot_i16x8(weights, wasm_v128_load32_splat(xq[r] + 2 * pair)));
    }
  }
}

/* One group of one tile for `rows` rows (a constant after inlining) on the integer path. */
INLINE void quantized_group(int32_t bits, const uint8_t* codes, int32_t blocks, int32_t first_block,
                            int32_t first_chunk, v128_t scales, int32_t rows, const int16_t* const* xq_rows,
                            const float* const* xs_rows, const int32_t* const* sum_rows, v128_t* out) {
  v128_t zero_point = wasm_i32x4_splat(1 << (bits - 1));
  for (int32_t block = 0; block < blocks; block += CHUNK_BLOCKS) {
    int32_t chunk = first_chunk + block / CHUNK_BLOCKS;
    int32_t count = blocks - block < CHUNK_BLOCKS ? blocks - block : CHUNK_BLOCKS;
    v128_t sums[BATCH_ROWS];
    for (int32_t r = 0; r < rows; r++) {
      sums[r] = wasm_i32x4_splat(0);
    }
    for (int32_t i = 0; i < count; i++) {
      const int16_t* xq[BATCH_ROWS];
      for (int32_t r = 0; r < rows; r++) {
        xq[r] = xq_rows[r] + (first_block + block + i) * BLOCK_ROWS;
      }
      quantized_block(bits, codes + (block + i) * bits * 16, rows, xq, sums);
    }
    for (int32_t r = 0; r < rows; r++) {
      v128_t correction = wasm_i32x4_mul(zero_point, wasm_i32x4_splat(sum_rows[r][chunk]));
      v128_t factor = wasm_f32x4_mul(scales, wasm_f32x4_splat(xs_rows[r][chunk]));
      v128_t values = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(sums[r], correction));
      out[r] = wasm_f32x4_add(out[r], wasm_f32x4_mul(values, factor));
    }
  }
}

INLINE void quantized_tile(const Exl2Layer* layer, int32_t tile, int32_t rows, const int16_t* const* xq,
                      const float* const* xs, const int32_t* const* sums, v128_t* out) {
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const uint8_t* first_code = tile_codes(layer, tile);
  const uint8_t* nibbles = tile_nibbles(layer, tile);
  int32_t first_block = 0;
  int32_t first_chunk = 0;
  for (int32_t r = 0; r < rows; r++) {
    out[r] = wasm_f32x4_splat(0.0f);
  }
  for (int32_t g = 0; g < layer->group_count; g++) {
    const Exl2Group* group = groups + g;
    const uint8_t* codes = first_code + group->offset;
    v128_t scales = tile_group_scales(nibbles + 4 * g, group->scale_max);
    /* A constant width per case lets the decoder and the row loop specialise. */
    switch (group->bits) {
      case 8:
        quantized_group(8, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, sums, out);
        break;
      case 6:
        quantized_group(6, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, sums, out);
        break;
      case 5:
        quantized_group(5, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, sums, out);
        break;
      case 4:
        quantized_group(4, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, sums, out);
        break;
      case 3:
        quantized_group(3, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, sums, out);
        break;
      default:
        quantized_group(2, codes, group->blocks, first_block, first_chunk, scales, rows, xq, xs, sums, out);
        break;
    }
    first_block += group->blocks;
    first_chunk += (group->blocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
  }
}

/* Most tiles of one row that run together in decode, each its own memory stream. */
#define STREAM_TILES 4

/*
 * Computes one row of `count` tiles (2 or 4, a constant after inlining). Before each group, one burst of
 * loads reads the codes of all of them `read_ahead` bytes ahead, unless it is 0 (see common.h), as the
 * relaxed build's decode does.
 */
INLINE void stream_tiles(const Exl2Layer* layer, const int32_t* tiles, int32_t count, int32_t read_ahead,
                         const int16_t* const* xq, const float* const* xs, const int32_t* const* sums,
                         v128_t* out) {
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const uint8_t* codes[STREAM_TILES];
  const uint8_t* nibbles[STREAM_TILES];
  for (int32_t t = 0; t < count; t++) {
    codes[t] = tile_codes(layer, tiles[t]);
    nibbles[t] = tile_nibbles(layer, tiles[t]);
    out[t] = wasm_f32x4_splat(0.0f);
  }
  int32_t first_block = 0;
  int32_t first_chunk = 0;
  for (int32_t g = 0; g < layer->group_count; g++) {
    const Exl2Group* group = groups + g;
    read_group_ahead(codes, count, group, read_ahead);
    for (int32_t t = 0; t < count; t++) {
      const uint8_t* group_codes = codes[t] + group->offset;
      v128_t scales = tile_group_scales(nibbles[t] + 4 * g, group->scale_max);
#define SINGLE_GROUP(bits) \
  quantized_group(bits, group_codes, group->blocks, first_block, first_chunk, scales, 1, xq, xs, sums, &out[t])
      switch (group->bits) {
        case 8:
          SINGLE_GROUP(8);
          break;
        case 6:
          SINGLE_GROUP(6);
          break;
        case 5:
          SINGLE_GROUP(5);
          break;
        case 4:
          SINGLE_GROUP(4);
          break;
        case 3:
          SINGLE_GROUP(3);
          break;
        default:
          SINGLE_GROUP(2);
          break;
      }
#undef SINGLE_GROUP
    }
    first_block += group->blocks;
    first_chunk += (group->blocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
  }
}

/* Computes four tiles of one row (see stream_tiles). */
__attribute__((noinline)) static void four_tiles(const Exl2Layer* layer, const int32_t* tiles, int32_t read_ahead,
                                                 const int16_t* const* xq, const float* const* xs,
                                                 const int32_t* const* sums, v128_t* out) {
  stream_tiles(layer, tiles, STREAM_TILES, read_ahead, xq, xs, sums, out);
}

/* Computes two tiles of one row (see stream_tiles). */
__attribute__((noinline)) static void two_tiles(const Exl2Layer* layer, const int32_t* tiles, int32_t read_ahead,
                                                const int16_t* const* xq, const float* const* xs,
                                                const int32_t* const* sums, v128_t* out) {
  stream_tiles(layer, tiles, 2, read_ahead, xq, xs, sums, out);
}

static void quantized_tile_batch(const Exl2Layer* layer, int32_t tile, const int16_t* const* xq, const float* const* xs,
                            const int32_t* const* sums, v128_t* out) {
  quantized_tile(layer, tile, BATCH_ROWS, xq, xs, sums, out);
}

static void quantized_tile_single(const Exl2Layer* layer, int32_t tile, const int16_t* const* xq, const float* const* xs,
                            const int32_t* const* sums, v128_t* out) {
  quantized_tile(layer, tile, 1, xq, xs, sums, out);
}

/*
 * args: 0 layer, 1 xq, 2 chunk scales, 3 chunk sums (from exl2_quantize), 4 rows, 5 out (f32
 * [rows][out_features]), 6 unused, 7 read-ahead distance of one-row products (0 or READ_AHEAD_BYTES),
 * 8 memory streams per thread of one-row products (2 or 4). Items are tiles.
 */
void exl2_matmul_quantized(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  int32_t rows = job->args[4];
  int32_t chunks = layer->scale_chunks;
  const float* bias = (const float*)layer->bias_ptr;

  if (rows == 1) {
    /* The range splits into `streams` parts, and tile i of every part runs together, so each thread
       reads that many memory streams (see common.h). */
    const int16_t* xq[1] = {(const int16_t*)job->args[1]};
    const float* xs[1] = {(const float*)job->args[2]};
    const int32_t* sums[1] = {(const int32_t*)job->args[3]};
    int32_t streams = job->args[8] == STREAM_TILES ? STREAM_TILES : 2;
    int32_t part = (end - begin) / streams;
    for (int32_t i = 0; i < part; i++) {
      int32_t tiles[STREAM_TILES];
      v128_t out[STREAM_TILES];
      for (int32_t t = 0; t < streams; t++) {
        tiles[t] = begin + t * part + i;
      }
      if (streams == STREAM_TILES) {
        four_tiles(layer, tiles, job->args[7], xq, xs, sums, out);
      } else {
        two_tiles(layer, tiles, job->args[7], xq, xs, sums, out);
      }
      for (int32_t t = 0; t < streams; t++) {
        store_columns((float*)job->args[5], out[t], bias, tiles[t] * TILE_COLS, layer->out_features);
      }
    }
    begin += streams * part;
  }

  for (int32_t tile = begin; tile < end; tile++) {
    int32_t row = 0;
    while (row < rows) {
      int32_t count = rows - row >= BATCH_ROWS ? BATCH_ROWS : 1;
      const int16_t* xq[BATCH_ROWS];
      const float* xs[BATCH_ROWS];
      const int32_t* sums[BATCH_ROWS];
      v128_t out[BATCH_ROWS];
      for (int32_t r = 0; r < count; r++) {
        xq[r] = (const int16_t*)job->args[1] + (row + r) * layer->padded_k;
        xs[r] = (const float*)job->args[2] + (row + r) * chunks;
        sums[r] = (const int32_t*)job->args[3] + (row + r) * chunks;
      }
      if (count == BATCH_ROWS) {
        quantized_tile_batch(layer, tile, xq, xs, sums, out);
      } else {
        quantized_tile_single(layer, tile, xq, xs, sums, out);
      }
      for (int32_t r = 0; r < count; r++) {
        float* y = (float*)job->args[5] + (row + r) * layer->out_features;
        store_columns(y, out[r], bias, tile * TILE_COLS, layer->out_features);
      }
      row += count;
    }
  }
}

INLINE v128_t f32_group(int32_t bits, const uint8_t* codes, int32_t blocks, const float* x) {
  v128_t zero_point = wasm_i16x8_splat((int16_t)(1 << (bits - 1)));
  v128_t columns01 = wasm_f32x4_splat(0.0f);
  v128_t columns23 = wasm_f32x4_splat(0.0f);
  for (int32_t block = 0; block < blocks; block++) {
    v128_t planes[8];
    load_planes(bits, codes + block * bits * 16, planes);
    const float* xb = x + block * BLOCK_ROWS;
#pragma clang loop unroll(full)
    for (int pair = 0; pair < PAIRS_PER_BLOCK; pair++) {
      v128_t weights = wasm_i16x8_sub(decode_pair(bits, planes, pair), zero_point);
      v128_t inputs = wasm_v128_load64_splat(xb + 2 * pair);
      v128_t w01 = small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(weights));
      v128_t w23 = small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(weights));
      columns01 = wasm_f32x4_add(columns01, wasm_f32x4_mul(w01, inputs));
      columns23 = wasm_f32x4_add(columns23, wasm_f32x4_mul(w23, inputs));
    }
  }
  /* Lanes hold (even row, odd row) partial sums per column; add each pair. */
  v128_t even = wasm_i32x4_shuffle(columns01, columns23, 0, 2, 4, 6);
  v128_t odd = wasm_i32x4_shuffle(columns01, columns23, 1, 3, 5, 7);
  return wasm_f32x4_add(even, odd);
}

#include "exl2_f32_product.h"
