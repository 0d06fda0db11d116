import type { LlamaConfig } from '@minichat/exl2-format';
import type { PieceType, SentencePieceModelData } from '@minichat/tokenizer';
import { GgufWriteError } from '../errors.js';
import { type GgufMetadataEntry, LLAMA_FTYPE_MOSTLY_Q4_0 } from './types.js';

/** llama.cpp's token types, which reuse SentencePiece's `ModelProto.SentencePiece.Type` numbers. */
const TOKEN_TYPE: Record<PieceType, number> = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
};

/**
 * Builds the metadata llama.cpp needs to load a LLaMA model: the `llama.*` hyperparameters from
 * `config.json` and a SentencePiece vocabulary (`tokenizer.ggml.model = "llama"`) with pieces, scores and
 * token types, padded with unused pieces up to the model's vocabulary size. `fileType` is llama.cpp's
 * `general.file_type` code (0 all F32, 2 mostly Q4_0).
 */
export function llamaGgufMetadata(
  config: LlamaConfig,
  tokenizer: SentencePieceModelData,
  name: string,
  fileType: number = LLAMA_FTYPE_MOSTLY_Q4_0,
): GgufMetadataEntry[] {
  const pieces = tokenizer.pieces;
  if (pieces.length > config.vocabSize) {
    throw new GgufWriteError(
      `The tokenizer has ${pieces.length} pieces but config.json has vocab_size ${config.vocabSize}; ` +
        'use the tokenizer.model that belongs to this model.',
      'tokenizer.ggml.tokens',
    );
  }
  const tokens: string[] = [];
  const scores = new Float32Array(config.vocabSize);
  const types = new Int32Array(config.vocabSize);
  for (let id = 0; id < config.vocabSize; id++) {
    const entry = pieces[id];
    tokens.push(entry ? entry.piece : `<pad_${id}>`);
    scores[id] = entry ? entry.score : -1e9;
    types[id] = TOKEN_TYPE[entry ? entry.type : 'UNUSED'];
  }
  const unknownId = pieces.findIndex((entry) => entry.type === 'UNKNOWN');
  const metadata: GgufMetadataEntry[] = [
    { key: 'general.architecture', type: 'string', value: 'llama' },
    { key: 'general.name', type: 'string', value: name },
    { key: 'general.file_type', type: 'u32', value: fileType },
    { key: 'general.alignment', type: 'u32', value: 32 },
    { key: 'llama.context_length', type: 'u32', value: config.maxPositionEmbeddings },
    { key: 'llama.embedding_length', type: 'u32', value: config.hiddenSize },
    { key: 'llama.block_count', type: 'u32', value: config.numHiddenLayers },
    { key: 'llama.feed_forward_length', type: 'u32', value: config.intermediateSize },
    { key: 'llama.attention.head_count', type: 'u32', value: config.numAttentionHeads },
    { key: 'llama.attention.head_count_kv', type: 'u32', value: config.numKeyValueHeads },
    { key: 'llama.rope.dimension_count', type: 'u32', value: config.headDim },
    { key: 'llama.attention.layer_norm_rms_epsilon', type: 'f32', value: config.rmsNormEps },
    { key: 'llama.rope.freq_base', type: 'f32', value: config.ropeTheta },
    { key: 'llama.vocab_size', type: 'u32', value: config.vocabSize },
    { key: 'tokenizer.ggml.model', type: 'string', value: 'llama' },
    { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: tokens },
    { key: 'tokenizer.ggml.scores', type: 'array', itemType: 'f32', value: scores },
    { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'i32', value: types },
    { key: 'tokenizer.ggml.bos_token_id', type: 'u32', value: config.bosTokenId },
    { key: 'tokenizer.ggml.eos_token_id', type: 'u32', value: config.eosTokenId[0] ?? 2 },
    { key: 'tokenizer.ggml.add_bos_token', type: 'bool', value: true },
    { key: 'tokenizer.ggml.add_eos_token', type: 'bool', value: false },
  ];
  if (unknownId >= 0)
    metadata.push({ key: 'tokenizer.ggml.unknown_token_id', type: 'u32', value: unknownId });
  if (config.padTokenId !== undefined) {
    metadata.push({ key: 'tokenizer.ggml.padding_token_id', type: 'u32', value: config.padTokenId });
  }
  return metadata;
}
