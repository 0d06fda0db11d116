/*
 * Repacks one EXL2 group from the file layout into the tile layout of exl2_tile.h.
 *
 * File layout: column n of the group is an LSB-first bit stream that starts at bit 0 of word row 0 and
 * runs down the word rows of that column. Stored row j has its code at stream bits [j * b, j * b + b).
 */
#include "exl2_tile.h"

/*
 * Reads the 32 codes of one column of one block. A block starts on a word boundary (32 rows * bits is
 * `bits` whole words), so its codes are the LSB-first stream of words `first_word .. first_word + bits`.
 * Words past the group's last word row and rows past `rows` read as the zero code.
 */
static void read_block_column(const uint32_t* words, int32_t stride, int32_t column, int32_t first_word,
                              int32_t word_rows, int32_t first_row, int32_t rows, int32_t bits,
                              uint8_t codes[BLOCK_ROWS]) {
  uint64_t buffer = 0;
  int32_t available = 0;
  int32_t word = first_word;
  uint32_t mask = (1u << bits) - 1u;
  for (int32_t k = 0; k < BLOCK_ROWS; k++) {
    if (available < bits) {
      uint32_t next = word < word_rows ? words[word * stride + column] : 0u;
      buffer |= (uint64_t)next << available;
      available += 32;
      word++;
    }
    codes[k] = first_row + k < rows ? (uint8_t)(buffer & mask) : (uint8_t)(1u << (bits - 1));
    buffer >>= bits;
    available -= bits;
  }
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

/* Writes a 3- or 5-bit block: 16 / bits codes per lane and the last pair vector in the spare bits 15. */
static void write_spare_bit_block(uint8_t* out, const uint8_t codes[PAIRS_PER_BLOCK][8], int32_t bits) {
  int32_t per_vector = 16 / bits;
  for (int32_t j = 0; j < bits; j++) {
    for (int32_t lane = 0; lane < 8; lane++) {
      uint32_t value = (uint32_t)((codes[PAIRS_PER_BLOCK - 1][lane] >> j) & 1u) << 15;
      for (int32_t s = 0; s < per_vector; s++) {
        value |= (uint32_t)codes[per_vector * j + s][lane] << (bits * s);
      }
      out[16 * j + 2 * lane] = (uint8_t)value;
      out[16 * j + 2 * lane + 1] = (uint8_t)(value >> 8);
    }
  }
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
      write_spare_bit_block(out, codes, 5);
      return;
    case 4:
      write_plane(out, codes, 4, 0);
      return;
    case 3:
      write_spare_bit_block(out, codes, 3);
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
  int32_t word_rows = (rows * bits + 31) / 32;
  uint8_t codes[PAIRS_PER_BLOCK][8];
  uint8_t column_codes[BLOCK_ROWS];

  for (int32_t tile = begin; tile < end; tile++) {
    uint8_t* out = (uint8_t*)layer->weights_ptr + tile * layer->tile_bytes + group->offset;
    for (int32_t block = 0; block < group->blocks; block++) {
      for (int32_t c = 0; c < TILE_COLS; c++) {
        read_block_column(words, stride, tile * TILE_COLS + c, block * bits, word_rows, block * BLOCK_ROWS, rows,
                          bits, column_codes);
        for (int32_t k = 0; k < BLOCK_ROWS; k++) {
          codes[k >> 1][tile_lane(k, c)] = column_codes[k];
        }
      }
      write_block(out + block * bits * 16, codes, bits);
    }
  }
}
