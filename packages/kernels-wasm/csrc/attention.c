/*
 * Key/value cache writes and causal attention with grouped-query heads.
 *
 * Cache layout per layer: [kv_heads][max_sequence_length][head_dim], f32 or fp16, keys and values in
 * separate arrays. So attention reads each head's keys and values as one sequential stream. With
 * positions outermost, a head's entries were pieces of head_dim values one row of all heads apart, and
 * a decode step at position 300 took about 1.8 times as long.
 */
#include "common.h"

/* Largest head size the backend accepts: split_even_odd's copy of a head takes up to 16 KiB of stack. */
#define MAX_HEAD_DIM 4096

/* Lanes that become infinity or NaN in fp16: NaN, or a magnitude that rounds above 65504. */
INLINE v128_t f16_special_lanes(v128_t x) {
  return wasm_v128_or(wasm_f32x4_ne(x, x), wasm_f32x4_ge(wasm_f32x4_abs(x), wasm_f32x4_splat(65520.0f)));
}

/* Stores `n` keys and values as fp16 and returns whether any of them became infinite or NaN. */
INLINE int store_f16_pair(uint16_t* keys, uint16_t* values, const float* k, const float* v, int32_t n) {
  v128_t special = wasm_i32x4_splat(0);
  int32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v128_t k0 = wasm_v128_load(k + i);
    v128_t k1 = wasm_v128_load(k + i + 4);
    v128_t v0 = wasm_v128_load(v + i);
    v128_t v1 = wasm_v128_load(v + i + 4);
    special = wasm_v128_or(special, wasm_v128_or(wasm_v128_or(f16_special_lanes(k0), f16_special_lanes(k1)),
                                                 wasm_v128_or(f16_special_lanes(v0), f16_special_lanes(v1))));
    wasm_v128_store(keys + i, wasm_u16x8_narrow_i32x4(f32x4_to_f16x4(k0), f32x4_to_f16x4(k1)));
    wasm_v128_store(values + i, wasm_u16x8_narrow_i32x4(f32x4_to_f16x4(v0), f32x4_to_f16x4(v1)));
  }
  for (; i < n; i++) {
    keys[i] = f32_to_f16(k[i]);
    values[i] = f32_to_f16(v[i]);
    special = wasm_v128_or(special, wasm_i32x4_splat(((keys[i] | values[i]) & 0x7c00) == 0x7c00 ? -1 : 0));
  }
  return wasm_v128_any_true(special);
}

/*
 * args: 0 k (f32 [rows][kv_heads * head_dim]), 1 v, 2 key cache of the layer, 3 value cache of the
 * layer, 4 dtype (0 f32, 1 fp16), 5 start position, 6 kv_heads, 7 the layer's special-value flag, 8
 * max_sequence_length, 9 head_dim. Items are rows. The flag is an int32 that becomes 1 when an fp16
 * entry stored is infinite or NaN.
 */
void kv_store(const Job* job, int32_t begin, int32_t end) {
  int32_t kv_heads = job->args[6];
  int32_t max_length = job->args[8];
  int32_t head_dim = job->args[9];
  int32_t width = kv_heads * head_dim;
  for (int32_t row = begin; row < end; row++) {
    int32_t position = job->args[5] + row;
    for (int32_t head = 0; head < kv_heads; head++) {
      const float* k = (const float*)job->args[0] + row * width + head * head_dim;
      const float* v = (const float*)job->args[1] + row * width + head * head_dim;
      int32_t entry = (head * max_length + position) * head_dim;
      if (job->args[4] == 0) {
        float* keys = (float*)job->args[2] + entry;
        float* values = (float*)job->args[3] + entry;
        for (int32_t i = 0; i < head_dim; i++) {
          keys[i] = k[i];
          values[i] = v[i];
        }
      } else if (store_f16_pair((uint16_t*)job->args[2] + entry, (uint16_t*)job->args[3] + entry, k, v, head_dim)) {
        /* Threads that store other rows may write the same 1, so no ordering is needed. The flag is never
           cleared. */
        __atomic_store_n((int32_t*)job->args[7], 1, __ATOMIC_RELAXED);
      }
    }
  }
}

/*
 * Replaces scores[0 .. length) by exp(score - max_score) divided by their total, four lanes at a time
 * with exp_f32x4, which gives each lane the scalar exp_f32 result. The total is summed in four partial
 * sums.
 */
INLINE void softmax(float* scores, int32_t length, float max_score) {
  v128_t max = wasm_f32x4_splat(max_score);
  v128_t totals = wasm_f32x4_splat(0.0f);
  int32_t t = 0;
  for (; t + 4 <= length; t += 4) {
    v128_t e = exp_f32x4(wasm_f32x4_sub(wasm_v128_load(scores + t), max));
    wasm_v128_store(scores + t, e);
    totals = wasm_f32x4_add(totals, e);
  }
  float total = horizontal_sum(totals);
  for (; t < length; t++) {
    scores[t] = exp_f32(scores[t] - max_score);
    total += scores[t];
  }
  v128_t inverse = wasm_f32x4_splat(1.0f / total);
  for (t = 0; t + 4 <= length; t += 4) {
    wasm_v128_store(scores + t, wasm_f32x4_mul(wasm_v128_load(scores + t), inverse));
  }
  for (; t < length; t++) {
    scores[t] *= 1.0f / total;
  }
}

/*
 * Positions per burst of read-ahead loads in a decode step: keys and values of two positions of a
 * 128-wide fp16 head are 16 lines. On a 2-core KVM guest, attention over 512 cached positions took
 * 12.5 instead of 19.8 ms per token with them (24 layers, two threads, scripts/bench-decode.ts). Four
 * positions per burst did no better.
 */
#define TOUCH_POSITIONS 2

/* Output dimensions accumulated in registers at once: 8 vectors of 4. */
#define VALUE_SLICE 32

/*
 * out[0 .. n) = sum over t < length of weights[t] * values[t * stride + i], for f32 or fp16 values. The
 * slice of 32 outputs stays in registers while every position adds to it, so each position costs loads
 * and multiply-adds only.
 */
INLINE void weighted_value_sum(float* out, const void* values, int32_t f16, int finite, int32_t stride,
                               const float* weights, int32_t length, int32_t n) {
  int32_t i = 0;
  for (; i + VALUE_SLICE <= n; i += VALUE_SLICE) {
    v128_t acc[VALUE_SLICE / 4];
    for (int j = 0; j < VALUE_SLICE / 4; j++) {
      acc[j] = wasm_f32x4_splat(0.0f);
    }
    for (int32_t t = 0; t < length; t++) {
      v128_t w = wasm_f32x4_splat(weights[t]);
      if (f16) {
        /* acc[2j] and acc[2j + 1] contain the even and odd outputs of each eight, interleaved at the end. */
        const uint16_t* row = (const uint16_t*)values + t * stride + i;
#pragma clang loop unroll(full)
        for (int j = 0; j < VALUE_SLICE / 8; j++) {
          v128_t lanes = wasm_v128_load(row + 8 * j);
          v128_t even = finite ? low_finite_halves_to_f32x4(lanes) : low_halves_to_f32x4(lanes);
          v128_t odd = finite ? high_finite_halves_to_f32x4(lanes) : high_halves_to_f32x4(lanes);
          acc[2 * j] = wasm_f32x4_add(acc[2 * j], wasm_f32x4_mul(w, even));
          acc[2 * j + 1] = wasm_f32x4_add(acc[2 * j + 1], wasm_f32x4_mul(w, odd));
        }
      } else {
        const float* row = (const float*)values + t * stride + i;
#pragma clang loop unroll(full)
        for (int j = 0; j < VALUE_SLICE / 4; j++) {
          acc[j] = wasm_f32x4_add(acc[j], wasm_f32x4_mul(w, wasm_v128_load(row + 4 * j)));
        }
      }
    }
    if (f16) {
      for (int j = 0; j < VALUE_SLICE / 8; j++) {
        wasm_v128_store(out + i + 8 * j, wasm_i32x4_shuffle(acc[2 * j], acc[2 * j + 1], 0, 4, 1, 5));
        wasm_v128_store(out + i + 8 * j + 4, wasm_i32x4_shuffle(acc[2 * j], acc[2 * j + 1], 2, 6, 3, 7));
      }
    } else {
      for (int j = 0; j < VALUE_SLICE / 4; j++) {
        wasm_v128_store(out + i + 4 * j, acc[j]);
      }
    }
  }
  for (; i < n; i++) {
    float sum = 0.0f;
    for (int32_t t = 0; t < length; t++) {
      float value = f16 ? f16_to_f32(((const uint16_t*)values)[t * stride + i]) : ((const float*)values)[t * stride + i];
      sum += weights[t] * value;
    }
    out[i] = sum;
  }
}

/*
 * Runs attention for heads [begin, end). `cache` is 0 for an f32 cache, 1 for fp16 and 2 for fp16 without
 * infinite or NaN entries (a constant after inlining, so each kind gets its own loops).
 */
INLINE void attend(const Job* job, int32_t begin, int32_t end, int32_t worker, int cache) {
  int32_t rows = job->args[5];
  int32_t start = job->args[6];
  int32_t heads = job->args[7];
  int32_t kv_heads = job->args[8];
  int32_t head_dim = job->args[9];
  int32_t width = heads * head_dim;
  int32_t head_entries = job->args[13] * head_dim;
  int32_t group = heads / kv_heads;
  int32_t f16 = cache != 0;
  float* scores = (float*)job->args[10] + worker * job->args[11];
  float scale = 1.0f / __builtin_sqrtf((float)head_dim);
  float split[MAX_HEAD_DIM] __attribute__((aligned(16)));

  for (int32_t head = begin; head < end; head++) {
    int32_t kv_head = head / group;
    for (int32_t row = 0; row < rows; row++) {
      const float* q = (const float*)job->args[0] + row * width + head * head_dim;
      float* out = (float*)job->args[1] + row * width + head * head_dim;
      int32_t length = start + row + 1;

      if (f16) {
        split_even_odd(split, q, head_dim);
      }
      float max_score = -__builtin_inff();
      int32_t element_bytes = f16 ? 2 : 4;
      int32_t row_bytes = head_dim * element_bytes;
      const uint8_t* key_bytes = (const uint8_t*)job->args[2] + kv_head * head_entries * element_bytes;
      const uint8_t* value_bytes = (const uint8_t*)job->args[3] + kv_head * head_entries * element_bytes;
      for (int32_t t = 0; t < length; t++) {
        if (row == 0 && (t & (TOUCH_POSITIONS - 1)) == 0) {
          /* Loads the keys READ_AHEAD_BYTES ahead and the values of these positions, within the
             sequence (see common.h). Without it, the loop waits on every line it reads from memory.
             Later rows find the entries in cache. */
          int32_t end_bytes = length * row_bytes;
          int32_t current = t * row_bytes;
          int32_t count = TOUCH_POSITIONS * row_bytes;
          int32_t ahead = current + READ_AHEAD_BYTES;
          int32_t touched = touch_lines(value_bytes + current, current + count < end_bytes ? count : end_bytes - current);
          if (ahead < end_bytes) {
            touched += touch_lines(key_bytes + ahead, ahead + count < end_bytes ? count : end_bytes - ahead);
          }
          keep_loads(touched);
        }
        int32_t offset = kv_head * head_entries + t * head_dim;
        float dot = f16 ? dot_f32_f16_with(split, (const uint16_t*)job->args[2] + offset, head_dim, cache == 2, 1)
                        : dot_f32(q, (const float*)job->args[2] + offset, head_dim);
        scores[t] = dot * scale;
        max_score = scores[t] > max_score ? scores[t] : max_score;
      }

      softmax(scores, length, max_score);

      weighted_value_sum(out, value_bytes, f16, cache == 2, head_dim, scores, length, head_dim);
    }
  }
}

/*
 * args: 0 q (f32 [rows][heads * head_dim]), 1 out (same shape), 2 key cache of the layer, 3 value cache,
 * 4 dtype. Then 5 rows, 6 start position, 7 heads, 8 kv heads, 9 head_dim. Then 10 score scratch, 11
 * scratch floats per worker, 12 the layer's special-value flag (see kv_store), 13 max_sequence_length.
 * Items are query heads.
 */
void attention(const Job* job, int32_t begin, int32_t end, int32_t worker) {
  if (job->args[4] == 0) {
    attend(job, begin, end, worker, 0);
  } else if (__atomic_load_n((const int32_t*)job->args[12], __ATOMIC_RELAXED) == 0) {
    attend(job, begin, end, worker, 2);
  } else {
    attend(job, begin, end, worker, 1);
  }
}
