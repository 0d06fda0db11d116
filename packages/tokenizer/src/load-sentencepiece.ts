import { parseSentencePieceModel } from './sentencepiece-model.js';
import { Tokenizer } from './tokenizer.js';

/** Options of the loaders that build a {@link Tokenizer}. */
export interface LoadTokenizerOptions {
  /** Whether `encode` prepends BOS by default. Default: true when the model has a BOS piece (LLaMA's behaviour). */
  addBosToken?: boolean;
  /** Whether `encode` appends EOS by default. Default: false. */
  addEosToken?: boolean;
}

/**
 * Loads a SentencePiece `tokenizer.model` (ModelProto bytes).
 *
 * @throws TokenizerFormatError or TokenizerLimitError when the bytes are not a valid model.
 * @throws UnsupportedTokenizerError when the model is not BPE or uses normalization rules.
 */
export function loadSentencePieceModel(bytes: Uint8Array, options: LoadTokenizerOptions = {}): Tokenizer {
  const model = parseSentencePieceModel(bytes);
  return new Tokenizer({
    model,
    addBosToken: options.addBosToken ?? true,
    addEosToken: options.addEosToken ?? false,
  });
}
