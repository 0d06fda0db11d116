import { TokenizerFormatError, TokenizerLimitError } from './errors.js';
import { MAX_MODEL_FILE_BYTES, MAX_PIECE_BYTES, MAX_PIECES } from './limits.js';
import {
  MODEL_TYPE_NUMBERS,
  type NormalizerSpecData,
  PIECE_TYPE_NUMBERS,
  type PieceType,
  type SentencePieceEntry,
  type SentencePieceModelData,
  type TrainerSpecData,
} from './model-data.js';
import {
  bytesToString,
  fixed32ToFloat,
  type ProtoField,
  ProtoWriter,
  readProtoFields,
  varintToInt32,
  WireType,
} from './protobuf.js';

// Field numbers from sentencepiece_model.proto (google/sentencepiece).
const MODEL_PIECES = 1;
const MODEL_TRAINER_SPEC = 2;
const MODEL_NORMALIZER_SPEC = 3;
const PIECE_PIECE = 1;
const PIECE_SCORE = 2;
const PIECE_TYPE = 3;
const TRAINER_MODEL_TYPE = 3;
const TRAINER_VOCAB_SIZE = 4;
const TRAINER_TREAT_WHITESPACE_AS_SUFFIX = 24;
const TRAINER_BYTE_FALLBACK = 35;
const TRAINER_UNK_ID = 40;
const TRAINER_BOS_ID = 41;
const TRAINER_EOS_ID = 42;
const TRAINER_PAD_ID = 43;
const TRAINER_UNK_SURFACE = 44;
const NORMALIZER_NAME = 1;
const NORMALIZER_PRECOMPILED_CHARSMAP = 2;
const NORMALIZER_ADD_DUMMY_PREFIX = 3;
const NORMALIZER_REMOVE_EXTRA_WHITESPACES = 4;
const NORMALIZER_ESCAPE_WHITESPACES = 5;

const FORMAT = 'sentencepiece-model';
const PIECE_TYPES_BY_NUMBER = invert(PIECE_TYPE_NUMBERS);
const MODEL_TYPES_BY_NUMBER = invert(MODEL_TYPE_NUMBERS);

/**
 * Parses a SentencePiece `tokenizer.model` (a serialized ModelProto) into plain data. Fields this
 * package does not interpret are kept as encoded bytes, so {@link serializeSentencePieceModel} writes
 * them back unchanged.
 *
 * @throws TokenizerFormatError when the bytes are not a well-formed ModelProto.
 * @throws TokenizerLimitError when the file or its vocabulary exceeds a limit in `limits.ts`.
 */
export function parseSentencePieceModel(bytes: Uint8Array): SentencePieceModelData {
  if (!(bytes instanceof Uint8Array)) {
    throw new TokenizerFormatError(FORMAT, 'bytes', bytes, 'must be a Uint8Array with the file contents');
  }
  if (bytes.length > MAX_MODEL_FILE_BYTES) {
    throw new TokenizerLimitError(
      FORMAT,
      'file size',
      bytes.length,
      'MAX_MODEL_FILE_BYTES',
      MAX_MODEL_FILE_BYTES,
    );
  }
  if (bytes.length === 0) {
    throw new TokenizerFormatError(FORMAT, 'file size', 0, 'is empty; expected a serialized ModelProto');
  }

  const pieces: SentencePieceEntry[] = [];
  let trainerSpec: TrainerSpecData | undefined;
  let normalizerSpec: NormalizerSpecData | undefined;
  const extra: Uint8Array[] = [];
  for (const field of readProtoFields(bytes, 'ModelProto')) {
    if (field.fieldNumber === MODEL_PIECES) {
      expectWireType(field, WireType.lengthDelimited, `pieces[${pieces.length}]`);
      if (pieces.length >= MAX_PIECES) {
        throw new TokenizerLimitError(FORMAT, 'pieces', pieces.length + 1, 'MAX_PIECES', MAX_PIECES, {
          offset: field.start,
        });
      }
      pieces.push(parsePiece(field, pieces.length));
    } else if (field.fieldNumber === MODEL_TRAINER_SPEC) {
      expectWireType(field, WireType.lengthDelimited, 'trainer_spec');
      trainerSpec = parseTrainerSpec(field);
    } else if (field.fieldNumber === MODEL_NORMALIZER_SPEC) {
      expectWireType(field, WireType.lengthDelimited, 'normalizer_spec');
      normalizerSpec = parseNormalizerSpec(field);
    } else {
      extra.push(bytes.subarray(field.start, field.end));
    }
  }
  if (pieces.length === 0) {
    throw new TokenizerFormatError(FORMAT, 'pieces', 0, 'is empty; a model needs at least the <unk> piece');
  }
  return {
    pieces,
    trainerSpec: trainerSpec ?? parseTrainerSpec(undefined),
    normalizerSpec: normalizerSpec ?? parseNormalizerSpec(undefined),
    extraFields: concat(extra),
  };
}

/**
 * Serializes model data as a SentencePiece ModelProto that Google's SentencePiece library loads.
 * Every interpreted field is written explicitly; uninterpreted fields follow unchanged.
 */
export function serializeSentencePieceModel(model: SentencePieceModelData): Uint8Array {
  const writer = new ProtoWriter();
  for (const [index, entry] of model.pieces.entries()) {
    const piece = new ProtoWriter();
    piece.bytes(PIECE_PIECE, entry.piece);
    piece.float(PIECE_SCORE, entry.score);
    const typeNumber = PIECE_TYPE_NUMBERS[entry.type];
    if (typeNumber === undefined) {
      throw new TokenizerFormatError(FORMAT, `pieces[${index}].type`, entry.type, 'is not a piece type');
    }
    piece.varint(PIECE_TYPE, typeNumber);
    writer.bytes(MODEL_PIECES, piece.finish());
  }

  const trainer = new ProtoWriter();
  const spec = model.trainerSpec;
  trainer.varint(TRAINER_MODEL_TYPE, MODEL_TYPE_NUMBERS[spec.modelType]);
  trainer.varint(TRAINER_VOCAB_SIZE, spec.vocabSize);
  trainer.varint(TRAINER_TREAT_WHITESPACE_AS_SUFFIX, spec.treatWhitespaceAsSuffix);
  trainer.varint(TRAINER_BYTE_FALLBACK, spec.byteFallback);
  trainer.varint(TRAINER_UNK_ID, spec.unkId);
  trainer.varint(TRAINER_BOS_ID, spec.bosId);
  trainer.varint(TRAINER_EOS_ID, spec.eosId);
  trainer.varint(TRAINER_PAD_ID, spec.padId);
  trainer.bytes(TRAINER_UNK_SURFACE, spec.unkSurface);
  trainer.raw(spec.extraFields);
  writer.bytes(MODEL_TRAINER_SPEC, trainer.finish());

  const normalizer = new ProtoWriter();
  const norm = model.normalizerSpec;
  normalizer.bytes(NORMALIZER_NAME, norm.name);
  normalizer.bytes(NORMALIZER_PRECOMPILED_CHARSMAP, norm.precompiledCharsmap);
  normalizer.varint(NORMALIZER_ADD_DUMMY_PREFIX, norm.addDummyPrefix);
  normalizer.varint(NORMALIZER_REMOVE_EXTRA_WHITESPACES, norm.removeExtraWhitespaces);
  normalizer.varint(NORMALIZER_ESCAPE_WHITESPACES, norm.escapeWhitespaces);
  normalizer.raw(norm.extraFields);
  writer.bytes(MODEL_NORMALIZER_SPEC, normalizer.finish());

  writer.raw(model.extraFields);
  return writer.finish();
}

function parsePiece(field: ProtoField, index: number): SentencePieceEntry {
  const path = `pieces[${index}]`;
  let piece: string | undefined;
  let score = 0;
  let type: PieceType = 'NORMAL';
  const base = field.end - field.bytes.length;
  for (const sub of readProtoFields(field.bytes, path, base)) {
    if (sub.fieldNumber === PIECE_PIECE) {
      expectWireType(sub, WireType.lengthDelimited, `${path}.piece`, base);
      if (sub.bytes.length > MAX_PIECE_BYTES) {
        throw new TokenizerLimitError(
          FORMAT,
          `${path}.piece`,
          sub.bytes.length,
          'MAX_PIECE_BYTES',
          MAX_PIECE_BYTES,
          {
            offset: base + sub.start,
          },
        );
      }
      piece = bytesToString(sub.bytes, `${path}.piece`, base + sub.start);
    } else if (sub.fieldNumber === PIECE_SCORE) {
      expectWireType(sub, WireType.fixed32, `${path}.score`, base);
      score = fixed32ToFloat(sub.bytes);
    } else if (sub.fieldNumber === PIECE_TYPE) {
      expectWireType(sub, WireType.varint, `${path}.type`, base);
      const found = PIECE_TYPES_BY_NUMBER.get(Number(sub.varint));
      if (found === undefined) {
        throw new TokenizerFormatError(
          FORMAT,
          `${path}.type`,
          Number(sub.varint),
          'is not a piece type (1..6)',
          {
            offset: base + sub.start,
          },
        );
      }
      type = found;
    }
  }
  if (piece === undefined) {
    throw new TokenizerFormatError(FORMAT, `${path}.piece`, undefined, 'is missing', { offset: field.start });
  }
  return { piece, score, type };
}

function parseTrainerSpec(field: ProtoField | undefined): TrainerSpecData {
  const spec: TrainerSpecData = {
    modelType: 'UNIGRAM',
    vocabSize: 8000,
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkSurface: ' \u2047 ',
    extraFields: new Uint8Array(0),
  };
  if (field === undefined) return spec;
  const base = field.end - field.bytes.length;
  const extra: Uint8Array[] = [];
  for (const sub of readProtoFields(field.bytes, 'trainer_spec', base)) {
    const path = `trainer_spec.${sub.fieldNumber}`;
    switch (sub.fieldNumber) {
      case TRAINER_MODEL_TYPE: {
        expectWireType(sub, WireType.varint, 'trainer_spec.model_type', base);
        const found = MODEL_TYPES_BY_NUMBER.get(Number(sub.varint));
        if (found === undefined) {
          throw new TokenizerFormatError(
            FORMAT,
            'trainer_spec.model_type',
            Number(sub.varint),
            'is not 1..4',
            {
              offset: base + sub.start,
            },
          );
        }
        spec.modelType = found;
        break;
      }
      case TRAINER_VOCAB_SIZE:
        spec.vocabSize = readInt32(sub, 'trainer_spec.vocab_size', base);
        break;
      case TRAINER_TREAT_WHITESPACE_AS_SUFFIX:
        spec.treatWhitespaceAsSuffix = readBool(sub, 'trainer_spec.treat_whitespace_as_suffix', base);
        break;
      case TRAINER_BYTE_FALLBACK:
        spec.byteFallback = readBool(sub, 'trainer_spec.byte_fallback', base);
        break;
      case TRAINER_UNK_ID:
        spec.unkId = readInt32(sub, 'trainer_spec.unk_id', base);
        break;
      case TRAINER_BOS_ID:
        spec.bosId = readInt32(sub, 'trainer_spec.bos_id', base);
        break;
      case TRAINER_EOS_ID:
        spec.eosId = readInt32(sub, 'trainer_spec.eos_id', base);
        break;
      case TRAINER_PAD_ID:
        spec.padId = readInt32(sub, 'trainer_spec.pad_id', base);
        break;
      case TRAINER_UNK_SURFACE:
        expectWireType(sub, WireType.lengthDelimited, path, base);
        spec.unkSurface = bytesToString(sub.bytes, 'trainer_spec.unk_surface', base + sub.start);
        break;
      default:
        extra.push(field.bytes.subarray(sub.start, sub.end));
    }
  }
  spec.extraFields = concat(extra);
  return spec;
}

function parseNormalizerSpec(field: ProtoField | undefined): NormalizerSpecData {
  const spec: NormalizerSpecData = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
    extraFields: new Uint8Array(0),
  };
  if (field === undefined) return spec;
  const base = field.end - field.bytes.length;
  const extra: Uint8Array[] = [];
  for (const sub of readProtoFields(field.bytes, 'normalizer_spec', base)) {
    switch (sub.fieldNumber) {
      case NORMALIZER_NAME:
        expectWireType(sub, WireType.lengthDelimited, 'normalizer_spec.name', base);
        spec.name = bytesToString(sub.bytes, 'normalizer_spec.name', base + sub.start);
        break;
      case NORMALIZER_PRECOMPILED_CHARSMAP:
        expectWireType(sub, WireType.lengthDelimited, 'normalizer_spec.precompiled_charsmap', base);
        spec.precompiledCharsmap = sub.bytes.slice();
        break;
      case NORMALIZER_ADD_DUMMY_PREFIX:
        spec.addDummyPrefix = readBool(sub, 'normalizer_spec.add_dummy_prefix', base);
        break;
      case NORMALIZER_REMOVE_EXTRA_WHITESPACES:
        spec.removeExtraWhitespaces = readBool(sub, 'normalizer_spec.remove_extra_whitespaces', base);
        break;
      case NORMALIZER_ESCAPE_WHITESPACES:
        spec.escapeWhitespaces = readBool(sub, 'normalizer_spec.escape_whitespaces', base);
        break;
      default:
        extra.push(field.bytes.subarray(sub.start, sub.end));
    }
  }
  spec.extraFields = concat(extra);
  return spec;
}

function expectWireType(field: ProtoField, wireType: number, path: string, base = 0): void {
  if (field.wireType !== wireType) {
    throw new TokenizerFormatError(
      FORMAT,
      path,
      field.wireType,
      `has wire type ${field.wireType}, expected ${wireType}`,
      {
        offset: base + field.start,
      },
    );
  }
}

function readInt32(field: ProtoField, path: string, base: number): number {
  expectWireType(field, WireType.varint, path, base);
  return varintToInt32(field.varint);
}

function readBool(field: ProtoField, path: string, base: number): boolean {
  expectWireType(field, WireType.varint, path, base);
  return field.varint !== 0n;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function invert<K extends string>(record: Readonly<Record<K, number>>): Map<number, K> {
  return new Map(Object.entries(record).map(([name, value]) => [value as number, name as K]));
}
