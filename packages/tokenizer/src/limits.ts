/**
 * Bounds on sizes read from tokenizer files. Every loader checks a size against these before it
 * allocates, so a corrupt or hostile file fails with a TokenizerLimitError instead of exhausting memory.
 */

/** Maximum vocabulary size. Real SentencePiece vocabularies reach about 256k pieces (Gemma). */
export const MAX_PIECES = 1_000_000;

/**
 * Maximum piece length in UTF-8 bytes. SentencePiece caps learned pieces at 16 characters (64 bytes)
 * by default. User-defined pieces can be longer, so this leaves generous room.
 */
export const MAX_PIECE_BYTES = 4096;

/** Maximum `tokenizer.model` size in bytes. A 256k-piece model is about 4 MB. */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024;

/** Maximum `tokenizer.json` size in bytes. Files of 256k-piece vocabularies with merges are tens of MB. */
export const MAX_TOKENIZER_JSON_BYTES = 256 * 1024 * 1024;

/** Maximum llama2.c tokenizer `.bin` size in bytes. LLaMA-2's 32000-piece export is 434 kB. */
export const MAX_LLAMA2C_FILE_BYTES = 64 * 1024 * 1024;

/** Maximum number of merges in a `tokenizer.json`: 4 per piece of the largest vocabulary. LLaMA-2's file has about 2 per piece. */
export const MAX_MERGES = 4_000_000;

/** Maximum number of added tokens in a `tokenizer.json`. Real files list at most a few thousand. */
export const MAX_ADDED_TOKENS = 100_000;
