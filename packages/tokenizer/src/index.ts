export {
  InvalidTokenIdError,
  TokenizerArgumentError,
  TokenizerError,
  type TokenizerErrorOptions,
  type TokenizerFileFormat,
  TokenizerFormatError,
  TokenizerLimitError,
  UnsupportedTokenizerError,
} from './errors.js';
export * from './limits.js';
export {
  type LoadLlama2cTokenizerOptions,
  loadLlama2cTokenizer,
  parseLlama2cTokenizer,
} from './llama2c-tokenizer.js';
export { type LoadTokenizerOptions, loadSentencePieceModel } from './load-sentencepiece.js';
export {
  loadTokenizer,
  MAX_TOKENIZER_CONFIG_BYTES,
  parseTokenizerConfig,
  type TokenizerConfig,
  type TokenizerFiles,
} from './load-tokenizer.js';
export {
  defaultBpeTrainerSpec,
  identityNormalizerSpec,
  type NormalizerSpecData,
  type PieceType,
  type SentencePieceEntry,
  type SentencePieceModelData,
  type SentencePieceModelType,
  type TrainerSpecData,
} from './model-data.js';
export { parseSentencePieceModel, serializeSentencePieceModel } from './sentencepiece-model.js';
export { StreamDecoder, type StreamDecoderOptions } from './stream-decoder.js';
export {
  type DecodeOptions,
  type EncodeOptions,
  type PromptPart,
  Tokenizer,
  type TokenizerInit,
} from './tokenizer.js';
export {
  type LoadTokenizerJsonOptions,
  loadTokenizerJson,
  type ParsedTokenizerJson,
  parseTokenizerJson,
} from './tokenizer-json.js';
