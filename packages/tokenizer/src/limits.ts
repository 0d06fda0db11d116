/**
 * Bounds on sizes read from tokenizer files. Every loader checks a size against these before it
 * allocates, so a corrupt or hostile file fails with a TokenizerLimitError instead of exhausting memory.
 */

/** Largest vocabulary accepted. Real SentencePiece vocabularies reach about 256k pieces (Gemma). */
export const MAX_PIECES = 1_000_000;

/**
 * Longest piece in UTF-8 bytes. SentencePiece caps learned pieces at 16 characters (64 bytes) by
 * default; user-defined pieces can be longer, so this leaves generous room.
 */
export const MAX_PIECE_BYTES = 4096;

/** Largest `tokenizer.model` file. A 256k-piece model is about 4 MB. */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024;

/** Largest `tokenizer.json` file. A 256k-piece file with merges is about 35 MB. */
export const MAX_TOKENIZER_JSON_BYTES = 256 * 1024 * 1024;

/** Largest llama2.c tokenizer `.bin` file. LLaMA-2's 32000-piece export is 434 kB. */
export const MAX_LLAMA2C_FILE_BYTES = 64 * 1024 * 1024;

/** Most merges in a `tokenizer.json`. A BPE vocabulary of n pieces usually has fewer than 4n merges. */
export const MAX_MERGES = 4_000_000;

/** Most added tokens in a `tokenizer.json`. Real files list at most a few thousand. */
export const MAX_ADDED_TOKENS = 100_000;
