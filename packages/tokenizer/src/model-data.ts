/**
 * Piece types of SentencePiece's ModelProto, with the proto enum names.
 * - NORMAL pieces take part in BPE merges.
 * - UNKNOWN is `<unk>`.
 * - CONTROL pieces (`<s>`, `</s>`) come from text only when special tokens are parsed.
 * - USER_DEFINED pieces are matched whole before merging.
 * - UNUSED pieces are merged and then split again into their parts.
 * - BYTE pieces (`<0x41>`) encode one byte for byte fallback.
 */
export type PieceType = 'NORMAL' | 'UNKNOWN' | 'CONTROL' | 'USER_DEFINED' | 'UNUSED' | 'BYTE';

/** Proto enum numbers of {@link PieceType}, in ModelProto order. */
export const PIECE_TYPE_NUMBERS: Readonly<Record<PieceType, number>> = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
};

/** SentencePiece model algorithms, with the proto enum names of `TrainerSpec.ModelType`. */
export type SentencePieceModelType = 'UNIGRAM' | 'BPE' | 'WORD' | 'CHAR';

/** Proto enum numbers of {@link SentencePieceModelType}. */
export const MODEL_TYPE_NUMBERS: Readonly<Record<SentencePieceModelType, number>> = {
  UNIGRAM: 1,
  BPE: 2,
  WORD: 3,
  CHAR: 4,
};

/** One vocabulary entry; its id is its index in {@link SentencePieceModelData.pieces}. */
export interface SentencePieceEntry {
  /** Piece text, with `▁` (U+2581) for a space. */
  piece: string;
  /** Merge priority for BPE: a higher score merges first. */
  score: number;
  /** Piece type. */
  type: PieceType;
}

/** The trainer settings of a model that affect encoding, plus every other field kept verbatim. */
export interface TrainerSpecData {
  /** Model algorithm; only `BPE` can be encoded by this package. Proto default: `UNIGRAM`. */
  modelType: SentencePieceModelType;
  /** Vocabulary size the model was trained with. Proto default: 8000. */
  vocabSize: number;
  /** Whether characters missing from the vocabulary become BYTE pieces. Proto default: false. */
  byteFallback: boolean;
  /** Whether the whitespace marker ends pieces instead of starting them. Proto default: false. */
  treatWhitespaceAsSuffix: boolean;
  /** Id of `<unk>`. Proto default: 0. */
  unkId: number;
  /** Id of `<s>`, or -1 for none. Proto default: 1. */
  bosId: number;
  /** Id of `</s>`, or -1 for none. Proto default: 2. */
  eosId: number;
  /** Id of the padding piece, or -1 for none. Proto default: -1. */
  padId: number;
  /** Text that decoding shows for `<unk>`. Proto default: `" ⁇ "`. */
  unkSurface: string;
  /** Encoded protobuf fields this package does not interpret, written back unchanged. */
  extraFields: Uint8Array;
}

/** The normalizer settings of a model, plus every other field kept verbatim. */
export interface NormalizerSpecData {
  /** Rule name, such as `identity` or `nmt_nfkc`. */
  name: string;
  /** Compiled normalization rules; must be empty for this package, which implements only identity. */
  precompiledCharsmap: Uint8Array;
  /** Whether `▁` is prepended to non-empty text. Proto default: true. */
  addDummyPrefix: boolean;
  /** Whether leading, trailing and repeated spaces are removed. Proto default: true. */
  removeExtraWhitespaces: boolean;
  /** Whether spaces become `▁`. Proto default: true. */
  escapeWhitespaces: boolean;
  /** Encoded protobuf fields this package does not interpret, written back unchanged. */
  extraFields: Uint8Array;
}

/**
 * Contents of a SentencePiece `tokenizer.model` (the ModelProto message). Get one from
 * `parseSentencePieceModel` or `Tokenizer.toSentencePieceModelData`, change it (for example, append
 * pieces) and write it with `serializeSentencePieceModel`.
 */
export interface SentencePieceModelData {
  /** Vocabulary in id order. */
  pieces: SentencePieceEntry[];
  /** Trainer settings. */
  trainerSpec: TrainerSpecData;
  /** Normalizer settings. */
  normalizerSpec: NormalizerSpecData;
  /** Encoded top-level fields this package does not interpret (self-test data, denormalizer), written back unchanged. */
  extraFields: Uint8Array;
}

/** Returns the trainer settings that the ModelProto defaults give, for a BPE model with byte fallback. */
export function defaultBpeTrainerSpec(vocabSize: number): TrainerSpecData {
  return {
    modelType: 'BPE',
    vocabSize,
    byteFallback: true,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkSurface: ' \u2047 ',
    extraFields: new Uint8Array(0),
  };
}

/** Returns LLaMA's normalizer settings: identity rules, dummy prefix, spaces kept. */
export function identityNormalizerSpec(): NormalizerSpecData {
  return {
    name: 'identity',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: false,
    escapeWhitespaces: true,
    extraFields: new Uint8Array(0),
  };
}
