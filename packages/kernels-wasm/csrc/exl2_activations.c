/*
 * Prepares activations for the EXL2 kernels. Each row is gathered into padded stored order, which is the
 * layer's input permutation with zeros in the padding rows of short groups. For the integer path every
 * chunk of up to 128 rows of one group is then quantized to 16-bit integers with one f32 scale.
 */
#include "common.h"

/*
 * Largest quantized magnitude. `i32x4.dot_i16x8_s` takes 16-bit operands, so activations get 15 bits
 * where 8 would cost the same. A chunk sum of 128 rows stays below 2^31 in magnitude. Its code term is at
 * most 128 * 255 (largest code) * 32767, about 1.07e9. The zero-point term is at most 128 * 128 * 32767,
 * about 5.4e8, so their difference is at most about 1.6e9.
 */
#define QUANT_MAX 32767

/*
 * args: 0 layer, 1 x (f32 [rows][in_features]), 2 xq (i16 [rows][padded_k]), 3 chunk scales
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
    int16_t* xq = (int16_t*)job->args[2] + row * layer->padded_k;
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
          xq[first + k] = (int16_t)q;
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
