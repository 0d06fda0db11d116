/* Row-wise and element-wise ops: RMSNorm, SwiGLU and residual add. */
#include "common.h"

/* args: 0 x, 1 weight, 2 eps (f32 bits), 3 out, 4 columns. Items are rows. `out` may be `x`. */
void rms_norm(const Job* job, int32_t begin, int32_t end) {
  int32_t columns = job->args[4];
  const float* weight = (const float*)job->args[1];
  float eps = bits_to_float(job->args[2]);
  for (int32_t row = begin; row < end; row++) {
    const float* x = (const float*)job->args[0] + row * columns;
    float* out = (float*)job->args[3] + row * columns;
    float mean_square = dot_f32(x, x, columns) / (float)columns;
    float inverse = 1.0f / __builtin_sqrtf(mean_square + eps);
    v128_t factor = wasm_f32x4_splat(inverse);
    int32_t i = 0;
    for (; i + 4 <= columns; i += 4) {
      v128_t scaled = wasm_f32x4_mul(wasm_v128_load(x + i), factor);
      wasm_v128_store(out + i, wasm_f32x4_mul(scaled, wasm_v128_load(weight + i)));
    }
    for (; i < columns; i++) {
      out[i] = x[i] * inverse * weight[i];
    }
  }
}

/* args: 0 gate, 1 up, 2 out. Items are elements; out = silu(gate) * up, and may alias either input. */
void swiglu(const Job* job, int32_t begin, int32_t end) {
  const float* gate = (const float*)job->args[0];
  const float* up = (const float*)job->args[1];
  float* out = (float*)job->args[2];
  int32_t i = begin;
  for (; i + 4 <= end; i += 4) {
    v128_t g = wasm_v128_load(gate + i);
    v128_t denominator = wasm_f32x4_add(wasm_f32x4_splat(1.0f), exp_f32x4(wasm_f32x4_neg(g)));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_div(g, denominator), wasm_v128_load(up + i)));
  }
  for (; i < end; i++) {
    float g = gate[i];
    out[i] = g / (1.0f + exp_f32(-g)) * up[i];
  }
}

/* args: 0 a, 1 b, 2 out. Items are elements; out may alias either input. */
void add(const Job* job, int32_t begin, int32_t end) {
  const float* a = (const float*)job->args[0];
  const float* b = (const float*)job->args[1];
  float* out = (float*)job->args[2];
  int32_t i = begin;
  for (; i + 4 <= end; i += 4) {
    wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  for (; i < end; i++) {
    out[i] = a[i] + b[i];
  }
}
