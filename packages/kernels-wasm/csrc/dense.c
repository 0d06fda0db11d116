/* Unquantized linear layers in PyTorch orientation [out_features][in_features], f32 or fp16. */
#include "common.h"

/*
 * args: 0 weights, 1 dtype (0 f32, 1 fp16), 2 in_features, 3 out_features, 4 x (f32 [rows][in]),
 * 5 rows, 6 out (f32 [rows][out]). Items are output features.
 */
void dense_matmul(const Job* job, int32_t begin, int32_t end) {
  int32_t in_features = job->args[2];
  int32_t out_features = job->args[3];
  int32_t rows = job->args[5];
  const float* x = (const float*)job->args[4];
  float* out = (float*)job->args[6];

  for (int32_t n = begin; n < end; n++) {
    for (int32_t row = 0; row < rows; row++) {
      const float* xr = x + row * in_features;
      float value;
      if (job->args[1] == 0) {
        value = dot_f32(xr, (const float*)job->args[0] + n * in_features, in_features);
      } else {
        value = dot_f32_f16(xr, (const uint16_t*)job->args[0] + n * in_features, in_features);
      }
      out[row * out_features + n] = value;
    }
  }
}
