/*
 * Shared definitions of the WebAssembly kernels: the job block that the JavaScript side writes into
 * linear memory, the EXL2 layer descriptor, and small SIMD helpers.
 *
 * The module has no global state and no static data, so one compiled module can run in every worker
 * over one shared memory. Every pointer is a byte offset into that memory.
 */
#ifndef MINICHAT_KERNELS_COMMON_H
#define MINICHAT_KERNELS_COMMON_H

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

/* Job operation codes. Keep in sync with `src/kernel-ops.ts`. */
enum {
  OP_EXL2_REPACK = 1,
  OP_EXL2_QUANTIZE = 2,
  OP_EXL2_GATHER = 3,
  OP_EXL2_MATMUL_QUANTIZED = 4,
  OP_EXL2_MATMUL_F32 = 5,
  OP_DENSE_MATMUL = 6,
  OP_KV_STORE = 7,
  OP_ATTENTION = 8,
  OP_RMS_NORM = 9,
  OP_SWIGLU = 10,
  OP_ADD = 11,
};

/* Number of int32 argument slots in a job block. */
#define JOB_ARGS 14

/*
 * One unit of parallel work: `items` independent items (tiles, rows, heads, elements) that the threads
 * take in ranges of `grain` items from the shared cursor `next_item`, so a thread that starts late or
 * runs slower takes fewer. Arguments are int32 values or f32 bit patterns. The JavaScript side sets
 * `next_item` to 0 before each run.
 */
typedef struct {
  int32_t op;
  int32_t items;
  int32_t args[JOB_ARGS];
  int32_t next_item;
  int32_t grain;
} Job;

/* Rows of a repacked block: the quantized activation block and the weight tile block share this size. */
#define BLOCK_ROWS 32
/* Output columns of one weight tile. */
#define TILE_COLS 4
/*
 * Blocks of one group that share an activation scale on the integer path, so one conversion and scaling
 * serves 128 rows. Sums of 128 rows stay within i32 (see exl2_activations.c). 8-bit activations also get
 * an integer multiplier of that scale per block. The JavaScript side reads the value through the
 * `chunk_blocks` export.
 */
#define CHUNK_BLOCKS 4

/*
 * Quantized activations of the integer path. The relaxed-SIMD build multiplies 8-bit activations with
 * `i16x8.relaxed_dot_i8x16_i7x16_s`; the baseline build uses 16-bit ones with `i32x4.dot_i16x8_s`, where
 * 8 bits would cost the same. Chunk sums of 128 rows stay within i32 either way (see exl2_activations.c).
 */
#ifdef MINICHAT_RELAXED_SIMD
typedef int8_t quantized_t;
#define QUANT_MAX 127
#else
typedef int16_t quantized_t;
#define QUANT_MAX 32767
#endif

/*
 * Rows of quantized activations that the relaxed-SIMD build interleaves. With more than one row, rows
 * 4q .. 4q + 3 form quad q. Its activations are stored block by block: the 32 values of row 4q, then
 * those of row 4q + 1, and so on. Its chunk scales, corrections and block multipliers are interleaved
 * the same way, four per chunk or block. So the product reads one block of four rows from one pointer at
 * constant offsets. A single row (decode) is stored plainly, which is the same layout with one lane.
 * The arrays are sized for whole quads.
 */
#define QUAD_ROWS 4

INLINE int32_t quad_lanes(int32_t rows) {
  return rows > 1 ? QUAD_ROWS : 1;
}

/* One EXL2 group after repacking, as the kernels read it. */
typedef struct {
  int32_t bits;
  int32_t blocks;    /* ceil(rows / 32); missing rows are padded with the zero code */
  int32_t offset;    /* byte offset of the group inside one tile */
  float scale_max;   /* q_scale_max / 256, so scale = (s + 1)^2 * scale_max */
} Exl2Group;

/* A repacked EXL2 layer. Every tile contains all groups for four output columns. */
typedef struct {
  int32_t tiles;          /* padded output columns / 4 */
  int32_t tile_bytes;     /* bytes per tile */
  int32_t group_count;
  int32_t padded_k;       /* sum of blocks * 32 over the groups */
  int32_t out_features;   /* N, the columns written to the output */
  int32_t groups_ptr;     /* Exl2Group[group_count] */
  int32_t weights_ptr;    /* tiles * tile_bytes bytes */
  int32_t scales_ptr;     /* uint8 [tiles][group_count][4]: scale nibble s per column */
  int32_t gather_ptr;     /* int32 [padded_k]: input feature of each padded stored row, or -1 */
  int32_t bias_ptr;       /* f32 [out_features], or 0 */
  int32_t in_features;
  int32_t scale_chunks;   /* activation scales per row: sum over groups of ceil(blocks / CHUNK_BLOCKS) */
} Exl2Layer;

INLINE float bits_to_float(int32_t bits) {
  return __builtin_bit_cast(float, bits);
}

INLINE int32_t float_to_bits(float value) {
  return __builtin_bit_cast(int32_t, value);
}

/*
 * Converts fp16 to f32 exactly, from the sign (bit 31, other bits zero) and the exponent and mantissa
 * bits moved to bits 13-27. Moving the 5-bit exponent into the f32 field and multiplying by 2^112 rebiases it.
 * Subnormals come out right too, because the product of an f32 subnormal and 2^112 is exact. An
 * exponent of 31 (infinity, NaN) comes out of the product as at least 2^16, above every finite fp16, and
 * setting all exponent bits then gives infinity, or NaN with the same payload.
 */
INLINE v128_t f16_fields_to_f32x4(v128_t sign, v128_t magnitude) {
  v128_t value = wasm_f32x4_mul(magnitude, wasm_f32x4_splat(0x1p112f));
  v128_t special = wasm_v128_and(wasm_f32x4_gt(value, wasm_f32x4_splat(65504.0f)), wasm_i32x4_splat(0x7f800000));
  return wasm_v128_or(wasm_v128_or(value, special), sign);
}

/*
 * Converts the fp16 values in bits 0-15 (low) or 16-31 (high) of each 32-bit lane, as a 128-bit load of
 * eight values leaves them. Widening 16-bit loads instead became byte shuffles in clang 14, which cost V8
 * several instructions each.
 */
INLINE v128_t low_halves_to_f32x4(v128_t lanes) {
  v128_t sign = wasm_v128_and(wasm_i32x4_shl(lanes, 16), wasm_i32x4_splat((int32_t)0x80000000u));
  return f16_fields_to_f32x4(sign, wasm_i32x4_shl(wasm_v128_and(lanes, wasm_i32x4_splat(0x7fff)), 13));
}

INLINE v128_t high_halves_to_f32x4(v128_t lanes) {
  v128_t sign = wasm_v128_and(lanes, wasm_i32x4_splat((int32_t)0x80000000u));
  return f16_fields_to_f32x4(sign, wasm_u32x4_shr(wasm_v128_and(lanes, wasm_i32x4_splat(0x7fff0000)), 3));
}

/*
 * Converts fp16 values known to be finite, in three or four instructions. An arithmetic
 * shift by 3 moves the exponent and mantissa to bits 13-27 and copies the sign into bits 28-31. The mask
 * keeps bit 31 and bits 13-27, and the product with 2^112 rebiases the exponent.
 */
INLINE v128_t high_finite_halves_to_f32x4(v128_t lanes) {
  v128_t fields = wasm_v128_and(wasm_i32x4_shr(lanes, 3), wasm_i32x4_splat((int32_t)0x8fffe000u));
  return wasm_f32x4_mul(fields, wasm_f32x4_splat(0x1p112f));
}

INLINE v128_t low_finite_halves_to_f32x4(v128_t lanes) {
  return high_finite_halves_to_f32x4(wasm_i32x4_shl(lanes, 16));
}

/* Exact fp16 to f32 for four values held in the low 16 bits of each u32 lane. */
INLINE v128_t f16x4_to_f32x4(v128_t half) {
  return low_halves_to_f32x4(half);
}

INLINE float f16_to_f32(uint16_t half) {
  v128_t lanes = f16x4_to_f32x4(wasm_i32x4_splat(half));
  return wasm_f32x4_extract_lane(lanes, 0);
}

/*
 * f32 to fp16 bits for four values, in the low 16 bits of each u32 lane: round-to-nearest-even, overflow
 * to infinity, NaN to a quiet NaN. Normal results rebias the exponent and round with one integer add.
 * Subnormal ones come out of the f32 adder: adding 0.5 aligns the mantissa to the fp16 subnormal step.
 */
INLINE v128_t f32x4_to_f16x4(v128_t value) {
  v128_t sign = wasm_v128_and(wasm_u32x4_shr(value, 16), wasm_i32x4_splat(0x8000));
  v128_t magnitude = wasm_v128_and(value, wasm_i32x4_splat(0x7fffffff));
  v128_t odd = wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_splat(1));
  v128_t rebiased = wasm_i32x4_add(magnitude, wasm_i32x4_splat((int32_t)0xc8000fffu));
  v128_t normal = wasm_u32x4_shr(wasm_i32x4_add(rebiased, odd), 13);
  v128_t subnormal = wasm_i32x4_sub(wasm_f32x4_add(magnitude, wasm_f32x4_splat(0.5f)), wasm_i32x4_splat(0x3f000000));
  v128_t result = wasm_v128_bitselect(subnormal, normal, wasm_i32x4_lt(magnitude, wasm_i32x4_splat(0x38800000)));
  result = wasm_v128_bitselect(wasm_i32x4_splat(0x7c00), result, wasm_i32x4_ge(magnitude, wasm_i32x4_splat(0x47800000)));
  result = wasm_v128_bitselect(wasm_i32x4_splat(0x7e00), result, wasm_i32x4_gt(magnitude, wasm_i32x4_splat(0x7f800000)));
  return wasm_v128_or(result, sign);
}

/* f32 to fp16 bits with round-to-nearest-even; overflow gives infinity, NaN stays NaN. */
INLINE uint16_t f32_to_f16(float value) {
  uint32_t bits = (uint32_t)float_to_bits(value);
  uint32_t sign = (bits >> 16) & 0x8000u;
  uint32_t exponent = (bits >> 23) & 0xffu;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xffu) {
    return (uint16_t)(sign | 0x7c00u | (mantissa ? 0x200u : 0u));
  }
  int32_t half_exponent = (int32_t)exponent - 127 + 15;
  if (half_exponent >= 31) {
    return (uint16_t)(sign | 0x7c00u);
  }
  if (half_exponent <= 0) {
    if (half_exponent < -10) {
      return (uint16_t)sign;
    }
    uint32_t full = mantissa | 0x800000u;
    uint32_t shift = (uint32_t)(14 - half_exponent);
    uint32_t result = full >> shift;
    uint32_t remainder = full & ((1u << shift) - 1u);
    uint32_t halfway = 1u << (shift - 1u);
    if (remainder > halfway || (remainder == halfway && (result & 1u))) {
      result += 1u;
    }
    return (uint16_t)(sign | result);
  }
  uint32_t result = ((uint32_t)half_exponent << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (result & 1u))) {
    result += 1u; /* a carry into the exponent is the correct rounding, up to infinity */
  }
  return (uint16_t)(sign | result);
}

/* e^x in f32 with about one ulp of error; returns 0 below -87.3 and infinity above 88. */
INLINE float exp_f32(float x) {
  if (x < -87.3f) {
    return 0.0f;
  }
  if (x > 88.0f) {
    return __builtin_inff();
  }
  float n = __builtin_rintf(x * 1.44269504088896341f);
  /* Cody-Waite reduction: ln 2 split so that n * high is exact. */
  float r = x - n * 0.693145751953125f;
  r = r - n * 1.42860682030941723e-6f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  return p * bits_to_float(((int32_t)n + 127) << 23);
}

/*
 * Computes exp_f32 of four values with the same operations in the same order, so each lane equals the scalar
 * result. NaN lanes stay NaN. 2^n comes from n + 1.5 * 2^23, whose low mantissa bits are n.
 */
INLINE v128_t exp_f32x4(v128_t x) {
  v128_t low = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.3f));
  v128_t high = wasm_f32x4_gt(x, wasm_f32x4_splat(88.0f));
  v128_t clamped = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.0f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(clamped, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(clamped, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.42860682030941723e-6f)));
  v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t integer = wasm_i32x4_sub(wasm_f32x4_add(n, wasm_f32x4_splat(12582912.0f)), wasm_i32x4_splat(0x4b400000));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(integer, wasm_i32x4_splat(127)), 23);
  v128_t result = wasm_f32x4_mul(p, scale);
  result = wasm_v128_andnot(result, low);
  return wasm_v128_bitselect(wasm_f32x4_splat(__builtin_inff()), result, high);
}

/*
 * Converts i32 lanes with |v| < 2^22 to f32 by adding them to the bit pattern of 1.5 * 2^23. clang 14
 * lowers a widen-then-convert chain (i16 to f32) to scalar code, which this form avoids.
 */
INLINE v128_t small_i32x4_to_f32x4(v128_t v) {
  v128_t biased = wasm_i32x4_add(v, wasm_i32x4_splat(0x4b400000));
  return wasm_f32x4_sub(biased, wasm_f32x4_splat(12582912.0f));
}

INLINE float horizontal_sum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

/* Dot product of two f32 vectors. Four accumulators keep the adds independent of each other's latency. */
INLINE float dot_f32(const float* a, const float* b, int32_t n) {
  v128_t acc0 = wasm_f32x4_splat(0.0f);
  v128_t acc1 = acc0;
  v128_t acc2 = acc0;
  v128_t acc3 = acc0;
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    acc2 = wasm_f32x4_add(acc2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    acc3 = wasm_f32x4_add(acc3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4) {
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  float sum = horizontal_sum(wasm_f32x4_add(wasm_f32x4_add(acc0, acc1), wasm_f32x4_add(acc2, acc3)));
  for (; i < n; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

/*
 * Copies `n` f32 values into the order that dot_f32_f16_with reads with `split`: of every 16 values, the
 * even then the odd ones of the first eight, then those of the second eight. A tail of fewer than 16
 * stays in order.
 */
INLINE void split_even_odd(float* split, const float* a, int32_t n) {
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t a0 = wasm_v128_load(a + i);
    v128_t a1 = wasm_v128_load(a + i + 4);
    v128_t a2 = wasm_v128_load(a + i + 8);
    v128_t a3 = wasm_v128_load(a + i + 12);
    wasm_v128_store(split + i, wasm_i32x4_shuffle(a0, a1, 0, 2, 4, 6));
    wasm_v128_store(split + i + 4, wasm_i32x4_shuffle(a0, a1, 1, 3, 5, 7));
    wasm_v128_store(split + i + 8, wasm_i32x4_shuffle(a2, a3, 0, 2, 4, 6));
    wasm_v128_store(split + i + 12, wasm_i32x4_shuffle(a2, a3, 1, 3, 5, 7));
  }
  for (; i < n; i++) {
    split[i] = a[i];
  }
}

/*
 * Returns the dot product of f32 `a` with fp16 `b`. Each step loads eight fp16 values as four 32-bit lanes and
 * multiplies their even and odd values with the even and odd lanes of `a`. `finite` (a constant after
 * inlining) takes the shorter conversion, for values known to be neither infinite nor NaN. With `split`
 * (a constant too), `a` is in the order of split_even_odd, so a caller that reuses `a` for many `b`
 * shuffles it once instead of once per call.
 */
INLINE float dot_f32_f16_with(const float* a, const uint16_t* b, int32_t n, int finite, int split) {
  v128_t acc0 = wasm_f32x4_splat(0.0f);
  v128_t acc1 = acc0;
  v128_t acc2 = acc0;
  v128_t acc3 = acc0;
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t a0 = wasm_v128_load(a + i);
    v128_t a1 = wasm_v128_load(a + i + 4);
    v128_t a2 = wasm_v128_load(a + i + 8);
    v128_t a3 = wasm_v128_load(a + i + 12);
    v128_t b0 = wasm_v128_load(b + i);
    v128_t b1 = wasm_v128_load(b + i + 8);
    v128_t even0 = finite ? low_finite_halves_to_f32x4(b0) : low_halves_to_f32x4(b0);
    v128_t odd0 = finite ? high_finite_halves_to_f32x4(b0) : high_halves_to_f32x4(b0);
    v128_t even1 = finite ? low_finite_halves_to_f32x4(b1) : low_halves_to_f32x4(b1);
    v128_t odd1 = finite ? high_finite_halves_to_f32x4(b1) : high_halves_to_f32x4(b1);
    v128_t a_even0 = split ? a0 : wasm_i32x4_shuffle(a0, a1, 0, 2, 4, 6);
    v128_t a_odd0 = split ? a1 : wasm_i32x4_shuffle(a0, a1, 1, 3, 5, 7);
    v128_t a_even1 = split ? a2 : wasm_i32x4_shuffle(a2, a3, 0, 2, 4, 6);
    v128_t a_odd1 = split ? a3 : wasm_i32x4_shuffle(a2, a3, 1, 3, 5, 7);
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(a_even0, even0));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(a_odd0, odd0));
    acc2 = wasm_f32x4_add(acc2, wasm_f32x4_mul(a_even1, even1));
    acc3 = wasm_f32x4_add(acc3, wasm_f32x4_mul(a_odd1, odd1));
  }
  float sum = horizontal_sum(wasm_f32x4_add(wasm_f32x4_add(acc0, acc1), wasm_f32x4_add(acc2, acc3)));
  for (; i < n; i++) {
    sum += a[i] * f16_to_f32(b[i]);
  }
  return sum;
}

INLINE float dot_f32_f16(const float* a, const uint16_t* b, int32_t n) {
  return dot_f32_f16_with(a, b, n, 0, 0);
}

/* The per-column scales (s + 1)^2 * scale_max of one group of one tile. */
INLINE v128_t tile_group_scales(const uint8_t* nibbles, float scale_max) {
  v128_t steps = wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(nibbles)), wasm_i16x8_splat(1));
  /* The widening multiply squares and widens in one step. A 16-to-32-bit extend followed by i32x4.mul
     became a byte shuffle with a constant table in clang 14, which V8 builds with five instructions. */
  v128_t squares = wasm_f32x4_convert_i32x4(wasm_u32x4_extmul_low_u16x8(steps, steps));
  return wasm_f32x4_mul(squares, wasm_f32x4_splat(scale_max));
}

/*
 * Distance in bytes at which one-row products may read the codes they will need next, and at which
 * decode attention does. WebAssembly has no prefetch instruction, and on some machines the hardware
 * prefetchers fall behind a product that reads a 64-byte line every dozen cycles: every line then
 * arrives late and the reads no longer overlap the arithmetic. On a 2-core Intel KVM guest, one load
 * per line read this far ahead, in bursts, raised a 4-bit product over 500 MB of layers from 10 to
 * 18 GB/s on two threads (scripts/bench-matmul.ts). On a 2-core AMD EPYC (Zen 5) guest the same loads
 * cut it from 33 to 21 GB/s.
 *
 * How many memory streams each thread reads also depends on the machine. On the Intel guest four
 * streams (with read-ahead) gave 20.5 GB/s against 17.6 for two. On the Zen 5 guest two (without)
 * gave 42 against 34 for four. So one-row products take both from their job (args 7 and 8 of
 * exl2_matmul_quantized), and the JavaScript side times the choices on the first decode steps
 * (src/decode-tuning.ts). An EXL2 layer's code allocation ends with READ_AHEAD_BYTES spare bytes (the
 * JavaScript side reads the value through the `read_ahead_bytes` export), so the loads past its last
 * tile stay inside it.
 */
#define READ_AHEAD_BYTES 2048

/* Loads one byte of every 64-byte line of [p, p + bytes) and returns their sum. */
INLINE int32_t touch_lines(const uint8_t* p, int32_t bytes) {
  int32_t sum = 0;
  /* Vectorized, the loads became byte inserts into a vector, which take a shuffle port. */
#pragma clang loop vectorize(disable)
  for (int32_t offset = 0; offset < bytes; offset += 64) {
    sum += p[offset];
  }
  return sum;
}

/* Stores a value nothing reads, so the compiler keeps the loads that computed it. */
INLINE void keep_loads(int32_t value) {
  volatile int32_t sink = value;
  (void)sink;
}

/* Returns the first code byte of a tile. */
INLINE const uint8_t* tile_codes(const Exl2Layer* layer, int32_t tile) {
  return (const uint8_t*)layer->weights_ptr + tile * layer->tile_bytes;
}

/* Returns the scale nibbles of a tile: four bytes (one per column) per group. */
INLINE const uint8_t* tile_nibbles(const Exl2Layer* layer, int32_t tile) {
  return (const uint8_t*)layer->scales_ptr + tile * layer->group_count * 4;
}

/* Loads the lines of one group of `count` tiles `distance` bytes ahead, in one burst. A distance of 0 loads none. */
INLINE void read_group_ahead(const uint8_t* const* codes, int32_t count, const Exl2Group* group, int32_t distance) {
  if (distance == 0) {
    return;
  }
  int32_t ahead = group->offset + distance;
  int32_t bytes = group->blocks * group->bits * 16;
  int32_t touched = 0;
  for (int32_t t = 0; t < count; t++) {
    touched += touch_lines(codes[t] + ahead, bytes);
  }
  keep_loads(touched);
}

/* Stores four output columns, or fewer at the right edge, adding the bias when there is one. */
INLINE void store_columns(float* out, v128_t values, const float* bias, int32_t column, int32_t columns) {
  if (column + 4 <= columns) {
    if (bias) {
      values = wasm_f32x4_add(values, wasm_v128_load(bias + column));
    }
    wasm_v128_store(out + column, values);
    return;
  }
  float lanes[4];
  wasm_v128_store(lanes, values);
  for (int32_t c = 0; column + c < columns; c++) {
    out[column + c] = lanes[c] + (bias ? bias[column + c] : 0.0f);
  }
}

/* Kernels, one file each. */
void exl2_repack(const Job* job, int32_t begin, int32_t end);
void exl2_quantize(const Job* job, int32_t begin, int32_t end);
void exl2_gather(const Job* job, int32_t begin, int32_t end);
void exl2_matmul_quantized(const Job* job, int32_t begin, int32_t end);
void exl2_matmul_f32(const Job* job, int32_t begin, int32_t end);
void dense_matmul(const Job* job, int32_t begin, int32_t end);
void kv_store(const Job* job, int32_t begin, int32_t end);
void attention(const Job* job, int32_t begin, int32_t end, int32_t worker);
void rms_norm(const Job* job, int32_t begin, int32_t end);
void swiglu(const Job* job, int32_t begin, int32_t end);
void add(const Job* job, int32_t begin, int32_t end);

#endif
