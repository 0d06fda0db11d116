/*
 * Repacks one EXL2 group from the file layout into the tile layout of exl2_tile.h, or of
 * exl2_relaxed_tile.h in the relaxed-SIMD build.
 *
 * File layout: column n of the group is an LSB-first bit stream that starts at bit 0 of word row 0 and
 * runs down the word rows of that column. Stored row j has its code at stream bits [j * b, j * b + b).
 * A block of 32 rows therefore starts on a word boundary and spans exactly `bits` words of its column.
 */
#ifdef MINICHAT_RELAXED_SIMD
#include "exl2_relaxed_tile.h"
#else
#include "exl2_tile.h"
#endif

#ifndef MINICHAT_RELAXED_SIMD
/* Writes one 16-bit lane: lane 2c + parity of vector `vector` of the plane at `out`. */
static void store_lane(uint8_t* out, int32_t vector, int32_t column, int32_t parity, uint32_t value) {
  uint8_t* lane = out + 16 * vector + 2 * (2 * column + parity);
  lane[0] = (uint8_t)value;
  lane[1] = (uint8_t)(value >> 8);
}

/*
 * Keeps every other field of `width` bits (fields 0, 2, 4, ...) and packs them together, so the codes of
 * even rows (or, after shifting by `width`, odd rows) of a word land in one 16-bit lane.
 */
static uint32_t pack_alternate_fields(uint32_t word, int32_t width) {
  switch (width) {
    case 8:
      word &= 0x00ff00ffu;
      return (word | (word >> 8)) & 0xffffu;
    case 4:
      word &= 0x0f0f0f0fu;
      word = (word | (word >> 4)) & 0x00ff00ffu;
      return (word | (word >> 8)) & 0xffffu;
    default:
      word &= 0x33333333u;
      word = (word | (word >> 2)) & 0x0f0f0f0fu;
      word = (word | (word >> 4)) & 0x00ff00ffu;
      return (word | (word >> 8)) & 0xffffu;
  }
}

/*
 * Repacks a full block of 8, 4 or 2 bits straight from the words. Lane (column, parity) of vector j
 * contains the codes of rows 2 * (16 / bits) * j + 2s + parity, and all of them sit in word j of the
 * column.
 */
static void repack_full_block(uint8_t* out, const uint32_t* words, int32_t stride, int32_t first_column,
                              int32_t first_word, int32_t bits) {
  for (int32_t c = 0; c < TILE_COLS; c++) {
    for (int32_t j = 0; j < bits; j++) {
      uint32_t word = words[(first_word + j) * stride + first_column + c];
      store_lane(out, j, c, 0, pack_alternate_fields(word, bits));
      store_lane(out, j, c, 1, pack_alternate_fields(word >> bits, bits));
    }
  }
}

#endif

/*
 * Reads the 32 codes of one column of one block. Words past the group's last word row and rows past
 * `rows` read as the zero code.
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

#ifdef MINICHAT_RELAXED_SIMD

/*
 * Writes the sub-plane of `width` bits (8, 4, 2 or 1) taken from bit `shift` of each code; returns the
 * bytes written. Byte lane L is column L / 4, and field m of a lane is row 4m + L % 4.
 */
static int32_t write_sub_plane(uint8_t* out, const uint8_t codes[TILE_COLS][BLOCK_ROWS], int32_t width,
                               int32_t shift) {
  int32_t per_byte = 8 / width;
  uint32_t mask = (1u << width) - 1u;
  for (int32_t p = 0; p < width; p++) {
    for (int32_t lane = 0; lane < 16; lane++) {
      uint32_t value = 0;
      for (int32_t s = 0; s < per_byte; s++) {
        int32_t field = p * per_byte + s;
        uint32_t code = codes[lane / 4][4 * field + lane % 4];
        value |= ((code >> shift) & mask) << (width * s);
      }
      out[16 * p + lane] = (uint8_t)value;
    }
  }
  return 16 * width;
}

/*
 * Repacks a full block of 8, 4 or 2 bits straight from the words. Word p of a column has rows
 * (32 / bits) * p + k at bits bits * k, and plane p has the fields whose rows are exactly those, so byte
 * lane (column c, row offset i) of plane p gathers codes k = 4s + i of word p into bits bits * s.
 */
static void repack_full_block(uint8_t* out, const uint32_t* words, int32_t stride, int32_t first_column,
                              int32_t first_word, int32_t bits) {
  for (int32_t c = 0; c < TILE_COLS; c++) {
    for (int32_t p = 0; p < bits; p++) {
      uint32_t word = words[(first_word + p) * stride + first_column + c];
      uint32_t lanes;
      if (bits == 8) {
        lanes = word; /* byte i is code i */
      } else if (bits == 4) {
        /* Nibble i moves to byte i: codes 0-3 form the low nibbles, codes 4-7 the high ones. */
        uint32_t low = word & 0xffffu;
        uint32_t high = word >> 16;
        low = (low | (low << 8)) & 0x00ff00ffu;
        low = (low | (low << 4)) & 0x0f0f0f0fu;
        high = (high | (high << 8)) & 0x00ff00ffu;
        high = (high | (high << 4)) & 0x0f0f0f0fu;
        lanes = low | (high << 4);
      } else {
        lanes = 0;
        for (int32_t k = 0; k < 16; k++) {
          lanes |= ((word >> (2 * k)) & 3u) << (8 * (k % 4) + 2 * (k / 4));
        }
      }
      uint8_t* lane = out + 16 * p + 4 * c;
      lane[0] = (uint8_t)lanes;
      lane[1] = (uint8_t)(lanes >> 8);
      lane[2] = (uint8_t)(lanes >> 16);
      lane[3] = (uint8_t)(lanes >> 24);
    }
  }
}

static void write_block(uint8_t* out, const uint8_t codes[TILE_COLS][BLOCK_ROWS], int32_t bits) {
  switch (bits) {
    case 6:
      out += write_sub_plane(out, codes, 4, 0);
      write_sub_plane(out, codes, 2, 4);
      return;
    case 5:
      out += write_sub_plane(out, codes, 4, 0);
      write_sub_plane(out, codes, 1, 4);
      return;
    case 3:
      out += write_sub_plane(out, codes, 2, 0);
      write_sub_plane(out, codes, 1, 2);
      return;
    default:
      write_sub_plane(out, codes, bits, 0);
      return;
  }
}

#else

/* Writes a plane of `width` bits (8, 4 or 2) taken from bit `shift` of each code; returns the bytes written. */
static int32_t write_plane(uint8_t* out, const uint8_t codes[TILE_COLS][BLOCK_ROWS], int32_t width,
                           int32_t shift) {
  int32_t per_lane = 16 / width;
  uint32_t mask = (1u << width) - 1u;
  for (int32_t c = 0; c < TILE_COLS; c++) {
    for (int32_t parity = 0; parity < 2; parity++) {
      for (int32_t j = 0; j < width; j++) {
        uint32_t value = 0;
        for (int32_t s = 0; s < per_lane; s++) {
          value |= ((uint32_t)(codes[c][2 * (per_lane * j + s) + parity] >> shift) & mask) << (width * s);
        }
        store_lane(out, j, c, parity, value);
      }
    }
  }
  return 16 * width;
}

/* Writes a 3- or 5-bit block: 16 / bits codes per lane, and the last pair vector in the spare bits 15. */
static void write_spare_bit_block(uint8_t* out, const uint8_t codes[TILE_COLS][BLOCK_ROWS], int32_t bits) {
  int32_t per_lane = 16 / bits;
  for (int32_t c = 0; c < TILE_COLS; c++) {
    for (int32_t parity = 0; parity < 2; parity++) {
      uint32_t last = codes[c][2 * (PAIRS_PER_BLOCK - 1) + parity];
      for (int32_t j = 0; j < bits; j++) {
        uint32_t value = ((last >> j) & 1u) << 15;
        for (int32_t s = 0; s < per_lane; s++) {
          value |= (uint32_t)codes[c][2 * (per_lane * j + s) + parity] << (bits * s);
        }
        store_lane(out, j, c, parity, value);
      }
    }
  }
}

static void write_block(uint8_t* out, const uint8_t codes[TILE_COLS][BLOCK_ROWS], int32_t bits) {
  switch (bits) {
    case 6:
      out += write_plane(out, codes, 4, 0);
      write_plane(out, codes, 2, 4);
      return;
    case 5:
    case 3:
      write_spare_bit_block(out, codes, bits);
      return;
    default:
      write_plane(out, codes, bits, 0);
      return;
  }
}

#endif

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
  int32_t lane_filling = bits == 8 || bits == 4 || bits == 2;
  uint8_t codes[TILE_COLS][BLOCK_ROWS];

  for (int32_t tile = begin; tile < end; tile++) {
    uint8_t* out = (uint8_t*)layer->weights_ptr + tile * layer->tile_bytes + group->offset;
    int32_t first_column = tile * TILE_COLS;
    for (int32_t block = 0; block < group->blocks; block++) {
      uint8_t* block_out = out + block * bits * 16;
      if (lane_filling && (block + 1) * BLOCK_ROWS <= rows) {
        repack_full_block(block_out, words, stride, first_column, block * bits, bits);
        continue;
      }
      for (int32_t c = 0; c < TILE_COLS; c++) {
        read_block_column(words, stride, first_column + c, block * bits, word_rows, block * BLOCK_ROWS, rows, bits,
                          codes[c]);
      }
      write_block(block_out, codes, bits);
    }
  }
}
