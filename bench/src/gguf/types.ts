/**
 * GGUF container facts (GGUF version 3, as specified in ggml's `docs/gguf.md`): the value type codes of
 * metadata, the ggml tensor type codes and the block sizes of the quantized types this bench writes.
 */

/** File magic "GGUF" as it appears on disk. */
export const GGUF_MAGIC = 'GGUF';
/** The GGUF version this writer produces; llama.cpp reads versions 2 and 3. */
export const GGUF_VERSION = 3;
/** Alignment of the tensor data section and of every tensor in it when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value type codes. */
export const GGUF_VALUE_TYPE = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

/** A scalar metadata value type. */
export type GgufScalarType = Exclude<keyof typeof GGUF_VALUE_TYPE, 'array'>;

/** One metadata key and its typed value. Arrays hold scalars of one type (nested arrays are not written). */
export type GgufMetadataEntry =
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'bool'; value: boolean }
  | { key: string; type: Exclude<GgufScalarType, 'string' | 'bool'>; value: number | bigint }
  | { key: string; type: 'array'; itemType: 'string'; value: readonly string[] }
  | {
      key: string;
      type: 'array';
      itemType: Exclude<GgufScalarType, 'string' | 'bool'>;
      value: ArrayLike<number>;
    };

/** ggml tensor types this writer can store, with their ggml type codes. */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;

/** A ggml tensor type this writer can store. */
export type GgmlType = keyof typeof GGML_TYPE;

/** Values per block and bytes per block of each type (a float type is a block of one value). */
export const GGML_BLOCK = {
  F32: { values: 1, bytes: 4 },
  F16: { values: 1, bytes: 2 },
  // One fp16 scale and 32 packed 4-bit codes.
  Q4_0: { values: 32, bytes: 18 },
  // One fp16 scale and 32 int8 codes.
  Q8_0: { values: 32, bytes: 34 },
} as const satisfies Record<GgmlType, { values: number; bytes: number }>;

/** llama.cpp's `general.file_type` code for "mostly Q4_0" (`LLAMA_FTYPE_MOSTLY_Q4_0`). */
export const LLAMA_FTYPE_MOSTLY_Q4_0 = 2;
