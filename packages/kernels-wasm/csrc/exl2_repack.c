/*
 * Repacks one EXL2 group from the file layout into the tile layout of exl2_tile.h.
 *
 * File layout: column n of the group is an LSB-first bit stream that starts at bit 0 of word row 0 and
 * runs down the word rows of that column; stored row j has its code at stream bits [j * b, j * b + b).
 */
#include "exl2_tile.h"

static uint32_t read_code(const uint32_t* words, int32_t stride, int32_t column, int32_t row, int32_t bits) {
  int32_t bit = row * bits;
  int32_t word = bit >> 5;
  int32_t shift = bit & 31;
  uint32_t code = words[word * stride + column] >> shift;
  if (shift + bits > 32) {
    code |= words[(word + 1) * stride + column] << (32 - shift);
  }
  return code & ((1u << bits) - 1u);
}

/* Writes a plane of `width` bits taken from bit `shift` of each code; returns the bytes written. */
static int32_t write_plane(uint8_t* out, const uint8_t codes[PAIRS_PER_BLOCK][8], int32_t width, int32_t shift) {
  int32_t per_lane = 16 / width;
  uint32_t mask = (1u << width) - 1u;
  for (int32_t j = 0; j < width; j++) {
    for (int32_t lane = 0; lane < 8; lane++) {
      uint32_t value = 0;
      for (int32_t s = 0; s < per_lane; s++) {
        value |= ((uint32_t)(codes[per_lane * j + s][lane] >> shift) & mask) << (width * s);
      }
      out[16 * j + 2 * lane] = (uint8_t)value;
      out[16 * j + 2 * lane + 1] = (uint8_t)(value >> 8);
    }
  }
  return 16 * width;
}

static void write_block(uint8_t* out, const uint8_t codes[PAIRS_PER_BLOCK][8], int32_t bits) {
  switch (bits) {
    case 8:
      write_plane(out, codes, 8, 0);
      return;
    case 6:
      out += write_plane(out, codes, 4, 0);
      write_plane(out, codes, 2, 4);
      return;
    case 5:
      out += write_plane(out, codes, 4, 0);
      write_plane(out, codes, 1, 4);
      return;
    case 4:
      write_plane(out, codes, 4, 0);
      return;
    case 3:
      out += write_plane(out, codes, 2, 0);
      write_plane(out, codes, 1, 2);
      return;
    default:
      write_plane(out, codes, 2, 0);
      return;
  }
}

/*
 * args: 0 layer, 1 group index, 2 source words (the group's q_weight rows, row stride = padded columns),
 * 3 rows of the group. Items are tiles.
 */
void exl2_repack(const Job* job, int32_t begin, int32_t end) {
  const Exl2Layer* layer = (const Exl2Layer*)job->args[0];
  const Exl2Group* group = (const Exl2Group*)layer->groups_ptr + job->args[1];
  const uint32_t* words = (const uint32_t*)job->args[2];
  int32_t rows = job->args[3];
  int32_t stride = layer->tiles * TILE_COLS;
  int32_t bits = group->bits;
  uint8_t zero_code = (uint8_t)(1u << (bits - 1));
  uint8_t codes[PAIRS_PER_BLOCK][8];

  for (int32_t tile = begin; tile < end; tile++) {
    uint8_t* out = (uint8_t*)layer->weights_ptr + tile * layer->tile_bytes + group->offset;
    for (int32_t block = 0; block < group->blocks; block++) {
      for (int32_t k = 0; k < BLOCK_ROWS; k++) {
        int32_t row = block * BLOCK_ROWS + k;
        for (int32_t c = 0; c < TILE_COLS; c++) {
          uint8_t code = row < rows ? (uint8_t)read_code(words, stride, tile * TILE_COLS + c, row, bits) : zero_code;
          codes[k >> 1][tile_lane(k, c)] = code;
        }
      }
      write_block(out + block * bits * 16, codes, bits);
    }
  }
}
