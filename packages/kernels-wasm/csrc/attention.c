/*
 * Key/value cache writes and causal attention with grouped-query heads.
 *
 * Cache layout per layer: [max_sequence_length][kv_heads * head_dim], f32 or fp16, keys and values in
 * separate arrays.
 */
#include "common.h"

/*
 * args: 0 k (f32 [rows][kv_width]), 1 v, 2 key cache of the layer, 3 value cache of the layer, 4 dtype
 * (0 f32, 1 fp16), 5 start position, 6 kv_width. Items are rows.
 */
void kv_store(const Job* job, int32_t begin, int32_t end) {
  int32_t width = job->args[6];
  for (int32_t row = begin; row < end; row++) {
    const float* k = (const float*)job->args[0] + row * width;
    const float* v = (const float*)job->args[1] + row * width;
    int32_t position = job->args[5] + row;
    if (job->args[4] == 0) {
      float* keys = (float*)job->args[2] + position * width;
      float* values = (float*)job->args[3] + position * width;
      for (int32_t i = 0; i < width; i++) {
        keys[i] = k[i];
        values[i] = v[i];
      }
    } else {
      uint16_t* keys = (uint16_t*)job->args[2] + position * width;
      uint16_t* values = (uint16_t*)job->args[3] + position * width;
      for (int32_t i = 0; i < width; i++) {
        keys[i] = f32_to_f16(k[i]);
        values[i] = f32_to_f16(v[i]);
      }
    }
  }
}

INLINE void accumulate_row(float* out, const float* values, float weight, int32_t n) {
  v128_t w = wasm_f32x4_splat(weight);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(out + i), wasm_f32x4_mul(w, wasm_v128_load(values + i))));
  }
  for (; i < n; i++) {
    out[i] += weight * values[i];
  }
}

INLINE void accumulate_row_f16(float* out, const uint16_t* values, float weight, int32_t n) {
  v128_t w = wasm_f32x4_splat(weight);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = f16x4_to_f32x4(wasm_u32x4_load16x4(values + i));
    wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(out + i), wasm_f32x4_mul(w, v)));
  }
  for (; i < n; i++) {
    out[i] += weight * f16_to_f32(values[i]);
  }
}

/*
 * args: 0 q (f32 [rows][heads * head_dim]), 1 out (same shape), 2 key cache of the layer, 3 value cache,
 * 4 dtype, 5 rows, 6 start position, 7 heads, 8 kv heads, 9 head_dim, 10 score scratch, 11 scratch
 * floats per worker. Items are query heads.
 */
void attention(const Job* job, int32_t begin, int32_t end, int32_t worker) {
  int32_t rows = job->args[5];
  int32_t start = job->args[6];
  int32_t heads = job->args[7];
  int32_t kv_heads = job->args[8];
  int32_t head_dim = job->args[9];
  int32_t width = heads * head_dim;
  int32_t kv_width = kv_heads * head_dim;
  int32_t group = heads / kv_heads;
  int32_t f16 = job->args[4];
  float* scores = (float*)job->args[10] + worker * job->args[11];
  float scale = 1.0f / __builtin_sqrtf((float)head_dim);

  for (int32_t head = begin; head < end; head++) {
    int32_t kv_head = head / group;
    for (int32_t row = 0; row < rows; row++) {
      const float* q = (const float*)job->args[0] + row * width + head * head_dim;
      float* out = (float*)job->args[1] + row * width + head * head_dim;
      int32_t length = start + row + 1;

      float max_score = -__builtin_inff();
      for (int32_t t = 0; t < length; t++) {
        int32_t offset = t * kv_width + kv_head * head_dim;
        float dot = f16 ? dot_f32_f16(q, (const uint16_t*)job->args[2] + offset, head_dim)
                        : dot_f32(q, (const float*)job->args[2] + offset, head_dim);
        scores[t] = dot * scale;
        max_score = scores[t] > max_score ? scores[t] : max_score;
      }

      float total = 0.0f;
      for (int32_t t = 0; t < length; t++) {
        scores[t] = exp_f32(scores[t] - max_score);
        total += scores[t];
      }

      for (int32_t i = 0; i < head_dim; i++) {
        out[i] = 0.0f;
      }
      float inverse = 1.0f / total;
      for (int32_t t = 0; t < length; t++) {
        int32_t offset = t * kv_width + kv_head * head_dim;
        if (f16) {
          accumulate_row_f16(out, (const uint16_t*)job->args[3] + offset, scores[t] * inverse, head_dim);
        } else {
          accumulate_row(out, (const float*)job->args[3] + offset, scores[t] * inverse, head_dim);
        }
      }
    }
  }
}
