/*
 * Prepares activations for the EXL2 kernels. Each row is gathered into padded stored order, which is the
 * layer's input permutation with zeros in the padding rows of short groups. For the integer path every
 * 32-row block is then quantized to 16-bit integers with one f32 scale per block.
 */
#include "common.h"

/*
 * Largest quantized magnitude. `i32x4.dot_i16x8_s` takes 16-bit operands, so activations get 15 bits
 * where 8 would cost the same. A block sum stays below 2^31: 32 rows * 255 (largest code) * 32767 is
 * about 2.7e8, and the zero-point term 128 * 32 * 32767 about 1.3e8.
 */
#define QUANT_MAX 32767

/*
 * args: 0 layer, 1 x (f32 [rows][in_features]), 2 xq (i16 [rows][padded_k]), 3 block scales
 * (f32 [rows][padded_k / 32]), 4 block sums of the quantized values (i32, same shape). Items are rows.
 */
void exl2_quantize(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  const int32_t* gather = (const int32_t*)layer->gather_ptr;
  int32_t blocks = layer->padded_k / BLOCK_ROWS;
  float values[BLOCK_ROWS];

  for (int32_t row = begin; row < end; row++) {
    const float* x = (const float*)job->args[1] + row * layer->in_features;
    int16_t* xq = (int16_t*)job->args[2] + row * layer->padded_k;
    float* scales = (float*)job->args[3] + row * blocks;
    int32_t* sums = (int32_t*)job->args[4] + row * blocks;

    for (int32_t block = 0; block < blocks; block++) {
      const int32_t* indices = gather + block * BLOCK_ROWS;
      float max_abs = 0.0f;
      for (int32_t k = 0; k < BLOCK_ROWS; k++) {
        float value = indices[k] >= 0 ? x[indices[k]] : 0.0f;
        values[k] = value;
        float magnitude = __builtin_fabsf(value);
        max_abs = magnitude > max_abs ? magnitude : max_abs;
      }
      float inverse = max_abs > 0.0f ? (float)QUANT_MAX / max_abs : 0.0f;
      int32_t sum = 0;
      for (int32_t k = 0; k < BLOCK_ROWS; k++) {
        int32_t q = (int32_t)__builtin_rintf(values[k] * inverse);
        q = q > QUANT_MAX ? QUANT_MAX : (q < -QUANT_MAX ? -QUANT_MAX : q);
        xq[block * BLOCK_ROWS + k] = (int16_t)q;
        sum += q;
      }
      scales[block] = max_abs / (float)QUANT_MAX;
      sums[block] = sum;
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
