// Limits on values read from file headers. Each is checked before anything is allocated from
// the value, so a hostile or corrupt header cannot make a reader allocate without bound.

/** Largest safetensors JSON header: 100 MB, the same cap the reference safetensors library uses. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Most tensors in one safetensors file. Full LLaMA-70B checkpoints have about 700 per shard. */
export const MAX_TENSOR_COUNT = 200_000;

/** Highest tensor rank accepted. Transformer weights use rank 1 or 2. */
export const MAX_TENSOR_RANK = 8;

/** Longest tensor name in UTF-16 code units. HF names are under 100 characters. */
export const MAX_TENSOR_NAME_LENGTH = 1024;

/** Most shard files a model directory may list; real models have a few dozen at most. */
export const MAX_SHARD_COUNT = 4096;

/** Largest JSON file read whole (config.json, generation_config.json, an index): 16 MiB. */
export const MAX_JSON_FILE_BYTES = 16 * 1024 * 1024;

/** Largest tokenizer file read whole (tokenizer.json of large vocabularies is around 10-20 MB). */
export const MAX_TOKENIZER_FILE_BYTES = 64 * 1024 * 1024;

/** Largest input dimension of an EXL2 layer: exllamav2 stores row indices as uint16. */
export const MAX_EXL2_IN_FEATURES = 65536;

/** Largest output dimension of an EXL2 layer; covers vocabularies up to 1M entries. */
export const MAX_EXL2_OUT_FEATURES = 1 << 20;

/** Most groups in one EXL2 layer: at the smallest group size (32) the largest K gives 2048. */
export const MAX_EXL2_GROUPS = MAX_EXL2_IN_FEATURES / 32;

/** Bit widths EXL2 kernels implement, widest first (the order groups must appear in). */
export const EXL2_BIT_WIDTHS = [8, 6, 5, 4, 3, 2] as const;

/** Largest tensor decoded in one call: 2^31 elements, the most a typed array may hold portably. */
export const MAX_DECODE_ELEMENTS = 2 ** 31 - 1;
