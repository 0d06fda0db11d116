/*
 * Prepares activations for the EXL2 kernels. Each row is gathered into padded stored order, which is the
 * layer's input permutation with zeros in the padding rows of short groups. For the integer path every
 * chunk of up to 128 rows of one group is then quantized to integers (quantized_t) with one f32 scale.
 */
#include "common.h"

/*
 * QUANT_MAX (common.h) is the largest quantized magnitude. A chunk sum of 128 rows stays below 2^31 in
 * magnitude: with 16-bit activations its code term is at most 128 * 255 (largest code) * 32767, about
 * 1.07e9, and the zero-point term at most 128 * 128 * 32767, about 5.4e8, so their difference is at most
 * about 1.6e9. With 8-bit activations both terms are 258 times smaller.
 */

#ifdef MINICHAT_RELAXED_SIMD

/*
 * 8-bit activations: the chunk's scale is max|x| / (127 * MULTIPLIER_ONE), and block b of the chunk
 * scales it by an integer m_b = ceil(MULTIPLIER_ONE * max_b / max|x|) in [1, MULTIPLIER_ONE], so a block
 * of small values keeps its precision beside a block with an outlier. The kernel applies m_b when it widens
 * the block's 16-bit sums, which it does anyway, so the per-block scales cost no extra instruction. Sums
 * stay within i32: a block contributes at most 32 * 255 * 127 * 256, about 2.7e8, and a chunk four times
 * that.
 */
#define MULTIPLIER_ONE 256

/*
 * args: 0 layer, 1 x (f32 [rows][in_features]), 2 xq (i8), 3 chunk scales (f32), 4 chunk corrections
 * (f32), 5 block multipliers (i16), 6 rows. A chunk's correction is the zero point times the sum over its
 * blocks of m_b times the block's sum of xq. Items are rows. A chunk is up to CHUNK_BLOCKS blocks of one
 * group. Outputs of several rows interleave in quads (see quad_lanes in common.h).
 */
void exl2_quantize(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const int32_t* gather = (const int32_t*)layer->gather_ptr;
  float values[CHUNK_BLOCKS * BLOCK_ROWS] __attribute__((aligned(16)));
  int32_t blocks_per_row = layer->padded_k / BLOCK_ROWS;
  int32_t lanes = quad_lanes(job->args[6]);

  for (int32_t row = begin; row < end; row++) {
    const float* x = (const float*)job->args[1] + row * layer->in_features;
    int32_t quad = row - row % lanes;
    int32_t lane = row % lanes;
    int8_t* xq = (int8_t*)job->args[2] + quad * layer->padded_k + lane * BLOCK_ROWS;
    float* scales = (float*)job->args[3] + quad * layer->scale_chunks + lane;
    float* corrections = (float*)job->args[4] + quad * layer->scale_chunks + lane;
    int16_t* multipliers = (int16_t*)job->args[5] + quad * blocks_per_row + lane;
    int32_t first = 0;
    int32_t chunk = 0;

    for (int32_t g = 0; g < layer->group_count; g++) {
      int32_t zero_point = 1 << (groups[g].bits - 1);
      for (int32_t block = 0; block < groups[g].blocks; block += CHUNK_BLOCKS) {
        int32_t remaining = groups[g].blocks - block;
        int32_t count = remaining < CHUNK_BLOCKS ? remaining : CHUNK_BLOCKS;
        float block_max[CHUNK_BLOCKS];
        float chunk_max = 0.0f;
        for (int32_t b = 0; b < count; b++) {
          for (int32_t k = b * BLOCK_ROWS; k < (b + 1) * BLOCK_ROWS; k++) {
            int32_t feature = gather[first + k];
            values[k] = feature >= 0 ? x[feature] : 0.0f;
          }
          v128_t max_abs = wasm_f32x4_splat(0.0f);
          for (int32_t k = b * BLOCK_ROWS; k < (b + 1) * BLOCK_ROWS; k += 4) {
            max_abs = wasm_f32x4_max(max_abs, wasm_f32x4_abs(wasm_v128_load(values + k)));
          }
          max_abs = wasm_f32x4_max(max_abs, wasm_i32x4_shuffle(max_abs, max_abs, 2, 3, 0, 1));
          max_abs = wasm_f32x4_max(max_abs, wasm_i32x4_shuffle(max_abs, max_abs, 1, 0, 3, 2));
          block_max[b] = wasm_f32x4_extract_lane(max_abs, 0);
          chunk_max = block_max[b] > chunk_max ? block_max[b] : chunk_max;
        }
        float unit = chunk_max / (float)(QUANT_MAX * MULTIPLIER_ONE);
        int64_t correction = 0;
        for (int32_t b = 0; b < count; b++) {
          int32_t multiplier = 1;
          if (chunk_max > 0.0f) {
            multiplier = (int32_t)__builtin_ceilf(block_max[b] / chunk_max * (float)MULTIPLIER_ONE);
            multiplier = multiplier < 1 ? 1 : (multiplier > MULTIPLIER_ONE ? MULTIPLIER_ONE : multiplier);
          }
          v128_t inverse = wasm_f32x4_splat(chunk_max > 0.0f ? 1.0f / (unit * (float)multiplier) : 0.0f);
          v128_t sums = wasm_i32x4_splat(0);
          for (int32_t k = b * BLOCK_ROWS; k < (b + 1) * BLOCK_ROWS; k += 16) {
            /* Round to nearest even as rintf does, clamp, then narrow 16 values to bytes. Adding 1.5 * 2^23
               rounds to an integer in the low mantissa bits (|scaled| is at most about QUANT_MAX), which
               costs two instructions where V8 spends about six on nearest and trunc_sat. */
            v128_t q[4];
            for (int i = 0; i < 4; i++) {
              v128_t scaled = wasm_f32x4_mul(wasm_v128_load(values + k + 4 * i), inverse);
              v128_t rounded = wasm_i32x4_sub(wasm_f32x4_add(scaled, wasm_f32x4_splat(12582912.0f)),
                                              wasm_i32x4_splat(0x4b400000));
              q[i] = wasm_i32x4_max(wasm_i32x4_min(rounded, wasm_i32x4_splat(QUANT_MAX)), wasm_i32x4_splat(-QUANT_MAX));
              sums = wasm_i32x4_add(sums, q[i]);
            }
            v128_t low = wasm_i16x8_narrow_i32x4(q[0], q[1]);
            v128_t high = wasm_i16x8_narrow_i32x4(q[2], q[3]);
            int32_t at = (first + k) / BLOCK_ROWS * BLOCK_ROWS * lanes + (first + k) % BLOCK_ROWS;
            wasm_v128_store(xq + at, wasm_i8x16_narrow_i16x8(low, high));
          }
          int32_t sum = wasm_i32x4_extract_lane(sums, 0) + wasm_i32x4_extract_lane(sums, 1) +
                        wasm_i32x4_extract_lane(sums, 2) + wasm_i32x4_extract_lane(sums, 3);
          multipliers[(first / BLOCK_ROWS + b) * lanes] = (int16_t)multiplier;
          correction += (int64_t)zero_point * multiplier * sum;
        }
        scales[chunk * lanes] = unit;
        corrections[chunk * lanes] = (float)correction;
        chunk++;
        first += count * BLOCK_ROWS;
      }
    }
  }
}

#else

/*
 * args: 0 layer, 1 x (f32 [rows][in_features]), 2 xq (quantized_t [rows][padded_k]), 3 chunk scales
 * (f32 [rows][scale_chunks]), 4 chunk sums of the quantized values (i32, same shape). Items are rows.
 * A chunk is up to CHUNK_BLOCKS blocks of one group.
 */
void exl2_quantize(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  const int32_t* gather = (const int32_t*)layer->gather_ptr;
  float values[CHUNK_BLOCKS * BLOCK_ROWS];

  for (int32_t row = begin; row < end; row++) {
    const float* x = (const float*)job->args[1] + row * layer->in_features;
    quantized_t* xq = (quantized_t*)job->args[2] + row * layer->padded_k;
    float* scales = (float*)job->args[3] + row * layer->scale_chunks;
    int32_t* sums = (int32_t*)job->args[4] + row * layer->scale_chunks;
    int32_t first = 0;
    int32_t chunk = 0;

    for (int32_t g = 0; g < layer->group_count; g++) {
      for (int32_t block = 0; block < groups[g].blocks; block += CHUNK_BLOCKS) {
        int32_t remaining = groups[g].blocks - block;
        int32_t count = (remaining < CHUNK_BLOCKS ? remaining : CHUNK_BLOCKS) * BLOCK_ROWS;
        float max_abs = 0.0f;
        for (int32_t k = 0; k < count; k++) {
          int32_t feature = gather[first + k];
          float value = feature >= 0 ? x[feature] : 0.0f;
          float magnitude = __builtin_fabsf(value);
          values[k] = value;
          max_abs = magnitude > max_abs ? magnitude : max_abs;
        }
        float inverse = max_abs > 0.0f ? (float)QUANT_MAX / max_abs : 0.0f;
        int32_t sum = 0;
        for (int32_t k = 0; k < count; k++) {
          int32_t q = (int32_t)__builtin_rintf(values[k] * inverse);
          q = q > QUANT_MAX ? QUANT_MAX : (q < -QUANT_MAX ? -QUANT_MAX : q);
          xq[first + k] = (quantized_t)q;
          sum += q;
        }
        scales[chunk] = max_abs / (float)QUANT_MAX;
        sums[chunk] = sum;
        chunk++;
        first += count;
      }
    }
  }
}

#endif

/* args: 0 layer, 1 x (f32 [rows][in_features]), 2 gathered (f32 [rows][padded_k]). Items are rows. */
void exl2_gather(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  const int32_t* gather = (const int32_t*)layer->gather_ptr;
  for (int32_t row = begin; row < end; row++) {
    const float* x = (const float*)job->args[1] + row * layer->in_features;
    float* out = (float*)job->args[2] + row * layer->padded_k;
    for (int32_t k = 0; k < layer->padded_k; k++) {
      out[k] = gather[k] >= 0 ? x[gather[k]] : 0.0f;
    }
  }
}
