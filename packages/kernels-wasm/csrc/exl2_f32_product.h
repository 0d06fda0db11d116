/*
 * The tile loop of the exact EXL2 product, the same in both builds. A matmul file includes it after
 * defining `f32_group(bits, codes, blocks, x)`, which returns the four column sums of one group of one
 * tile in that build's layout.
 */
#ifndef MINICHAT_KERNELS_EXL2_F32_PRODUCT_H
#define MINICHAT_KERNELS_EXL2_F32_PRODUCT_H

#include "common.h"

/* args: 0 layer, 1 gathered x (f32 [rows][padded_k]), 2 rows, 3 out. Items are tiles. */
void exl2_matmul_f32(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  const Exl2Group* groups = (const Exl2Group*)layer->groups_ptr;
  int32_t rows = job->args[2];
  const float* bias = (const float*)layer->bias_ptr;

  for (int32_t tile = begin; tile < end; tile++) {
    const uint8_t* first_code = tile_codes(layer, tile);
    const uint8_t* nibbles = tile_nibbles(layer, tile);
    for (int32_t row = 0; row < rows; row++) {
      const float* x = (const float*)job->args[1] + row * layer->padded_k;
      v128_t out = wasm_f32x4_splat(0.0f);
      int32_t first_row = 0;
      for (int32_t g = 0; g < layer->group_count; g++) {
        const Exl2Group* group = groups + g;
        const uint8_t* codes = first_code + group->offset;
        const float* xg = x + first_row;
        v128_t sum;
        switch (group->bits) {
          case 8:
            sum = f32_group(8, codes, group->blocks, xg);
            break;
          case 6:
            sum = f32_group(6, codes, group->blocks, xg);
            break;
          case 5:
            sum = f32_group(5, codes, group->blocks, xg);
            break;
          case 4:
            sum = f32_group(4, codes, group->blocks, xg);
            break;
          case 3:
            sum = f32_group(3, codes, group->blocks, xg);
            break;
          default:
            sum = f32_group(2, codes, group->blocks, xg);
            break;
        }
        out = wasm_f32x4_add(out, wasm_f32x4_mul(sum, tile_group_scales(nibbles + 4 * g, group->scale_max)));
        first_row += group->blocks * BLOCK_ROWS;
      }
      float* y = (float*)job->args[3] + row * layer->out_features;
      store_columns(y, out, bias, tile * TILE_COLS, layer->out_features);
    }
  }
}

#endif
