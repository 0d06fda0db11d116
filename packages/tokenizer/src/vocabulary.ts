import { TokenizerFormatError, UnsupportedTokenizerError } from './errors.js';
import { PIECE_TYPE_NUMBERS, type PieceType, type SentencePieceModelData } from './model-data.js';
import { PairTable } from './pair-table.js';

/** The whitespace marker that SentencePiece writes in place of a space. */
export const SPACE_SYMBOL = '\u2581';

const TYPE_BY_CODE: readonly PieceType[] = [
  'NORMAL',
  'NORMAL',
  'UNKNOWN',
  'CONTROL',
  'USER_DEFINED',
  'UNUSED',
  'BYTE',
];
const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;
const SPACE_CODE = 0x2581;

/** Type codes stored per id; the values are the ModelProto enum numbers. */
export const TypeCode = PIECE_TYPE_NUMBERS;

/**
 * The vocabulary compiled for encoding: id lookups, the merge table keyed by symbol pairs, and the
 * checks SentencePiece runs when it loads a model (unique pieces, one `<unk>`, valid byte pieces).
 *
 * BPE symbols are single characters or merged pieces. Each gets an integer key: a piece's key is its
 * id, and a character that occurs inside some piece without being a piece itself gets a key past the
 * last id. A character with no key can never merge.
 */
export class Vocabulary {
  readonly pieces: readonly string[];
  readonly scores: Float32Array;
  readonly types: Uint8Array;
  readonly unkId: number;
  readonly byteFallback: boolean;
  /** Id of the BYTE piece for each byte value, or -1 when the model lacks it. */
  readonly byteIds: Int32Array;
  /** Byte value of each BYTE piece, indexed by id; -1 for other pieces. */
  readonly byteValues: Int16Array;
  /** Pieces that BPE can produce or match: NORMAL, USER_DEFINED and UNUSED (SentencePiece's `pieces_`). */
  readonly mergeableIds: ReadonlyMap<string, number>;
  /** Every piece by text. */
  readonly allIds: ReadonlyMap<string, number>;
  /** Symbol key of each BMP character, or -1; astral characters use {@link astralKeys}. */
  readonly bmpKeys: Int32Array;
  readonly astralKeys: ReadonlyMap<number, number>;
  /** Characters of the synthetic keys, indexed by `key - pieces.length`. */
  readonly syntheticChars: readonly string[];
  /** Merged piece id per pair of symbol keys. */
  readonly merges: PairTable;
  readonly keyCount: number;
  /** USER_DEFINED pieces, matched whole before merging, grouped by their first UTF-16 code unit, longest first. */
  readonly userDefinedByFirstUnit: ReadonlyMap<number, readonly string[]>;
  /**
   * True when no mergeable piece contains a `▁` right after another character. Then no merge can
   * cross the boundary in front of a `▁` that follows another character, and the encoder may
   * split the normalized text there and encode the parts independently with the same result.
   */
  readonly canSplitBeforeSpace: boolean;

  constructor(model: SentencePieceModelData) {
    const count = model.pieces.length;
    const pieces: string[] = new Array(count);
    this.scores = new Float32Array(count);
    this.types = new Uint8Array(count);
    this.byteIds = new Int32Array(256).fill(-1);
    this.byteValues = new Int16Array(count).fill(-1);
    this.byteFallback = model.trainerSpec.byteFallback;
    const mergeable = new Map<string, number>();
    const all = new Map<string, number>();
    const userDefined = new Map<number, string[]>();
    let unkId = -1;

    for (let id = 0; id < count; id++) {
      const entry = model.pieces[id]!;
      const field = `pieces[${id}]`;
      if (typeof entry.piece !== 'string' || entry.piece.length === 0) {
        throw new TokenizerFormatError(
          'sentencepiece-model',
          `${field}.piece`,
          entry.piece,
          'must be a non-empty string',
        );
      }
      const code = PIECE_TYPE_NUMBERS[entry.type];
      if (code === undefined) {
        throw new TokenizerFormatError(
          'sentencepiece-model',
          `${field}.type`,
          entry.type,
          'is not a piece type',
        );
      }
      if (!Number.isFinite(entry.score) && entry.score !== Number.NEGATIVE_INFINITY) {
        throw new TokenizerFormatError(
          'sentencepiece-model',
          `${field}.score`,
          entry.score,
          'must be a number',
        );
      }
      pieces[id] = entry.piece;
      this.scores[id] = entry.score;
      this.types[id] = code;
      if (all.has(entry.piece)) {
        throw new TokenizerFormatError(
          'sentencepiece-model',
          `${field}.piece`,
          entry.piece,
          `duplicates the piece of id ${all.get(entry.piece)}; every piece must be unique`,
        );
      }
      all.set(entry.piece, id);
      if (code === TypeCode.NORMAL || code === TypeCode.USER_DEFINED || code === TypeCode.UNUSED) {
        mergeable.set(entry.piece, id);
      }
      if (code === TypeCode.USER_DEFINED) {
        const first = entry.piece.charCodeAt(0);
        const list = userDefined.get(first) ?? [];
        list.push(entry.piece);
        userDefined.set(first, list);
      }
      if (code === TypeCode.UNKNOWN) {
        if (unkId >= 0) {
          throw new TokenizerFormatError(
            'sentencepiece-model',
            `${field}.type`,
            entry.type,
            `is a second UNKNOWN piece (the first is id ${unkId}); a model has exactly one`,
          );
        }
        unkId = id;
      }
      if (code === TypeCode.BYTE) {
        const match = BYTE_PIECE.exec(entry.piece);
        if (match === null) {
          throw new TokenizerFormatError(
            'sentencepiece-model',
            `${field}.piece`,
            entry.piece,
            'is a BYTE piece not of the form <0xHH>',
          );
        }
        const value = Number.parseInt(match[1]!, 16);
        this.byteIds[value] = id;
        this.byteValues[id] = value;
      }
    }
    if (unkId < 0) {
      throw new TokenizerFormatError(
        'sentencepiece-model',
        'pieces',
        count,
        'contain no UNKNOWN piece; a model needs one',
      );
    }
    for (const list of userDefined.values()) list.sort((a, b) => b.length - a.length);

    this.pieces = pieces;
    this.unkId = unkId;
    this.mergeableIds = mergeable;
    this.allIds = all;
    this.userDefinedByFirstUnit = userDefined;

    // Symbol keys: pieces first, then characters that occur only inside longer pieces.
    const bmpKeys = new Int32Array(0x10000).fill(-1);
    const astralKeys = new Map<number, number>();
    const syntheticChars: string[] = [];
    const keyOfCodePoint = (cp: number): number => (cp < 0x10000 ? bmpKeys[cp]! : (astralKeys.get(cp) ?? -1));
    const setKey = (cp: number, key: number): void => {
      if (cp < 0x10000) bmpKeys[cp] = key;
      else astralKeys.set(cp, key);
    };
    for (const [piece, id] of mergeable) {
      const cp = piece.codePointAt(0)!;
      if (piece.length === (cp > 0xffff ? 2 : 1)) setKey(cp, id);
    }
    let canSplit = true;
    let pairCount = 0;
    for (const piece of mergeable.keys()) {
      let previous = -1;
      for (let i = 0; i < piece.length; ) {
        const cp = piece.codePointAt(i)!;
        if (cp === SPACE_CODE && previous !== -1 && previous !== SPACE_CODE) canSplit = false;
        if (keyOfCodePoint(cp) < 0) {
          setKey(cp, count + syntheticChars.length);
          syntheticChars.push(String.fromCodePoint(cp));
        }
        previous = cp;
        i += cp > 0xffff ? 2 : 1;
        if (i < piece.length) pairCount++;
      }
    }
    this.bmpKeys = bmpKeys;
    this.astralKeys = astralKeys;
    this.syntheticChars = syntheticChars;
    this.keyCount = count + syntheticChars.length;
    this.canSplitBeforeSpace = canSplit;

    // Merge table: every split of a mergeable piece into two symbols that BPE can hold, which are
    // single characters or mergeable pieces.
    const merges = new PairTable(pairCount);
    const keyOfSymbol = (text: string): number => {
      const cp = text.codePointAt(0)!;
      if (text.length === (cp > 0xffff ? 2 : 1)) return keyOfCodePoint(cp);
      return mergeable.get(text) ?? -1;
    };
    for (const [piece, id] of mergeable) {
      for (let split = 0; ; ) {
        split += piece.codePointAt(split)! > 0xffff ? 2 : 1;
        if (split >= piece.length) break;
        const left = keyOfSymbol(piece.slice(0, split));
        if (left < 0) continue;
        const right = keyOfSymbol(piece.slice(split));
        if (right >= 0) merges.set(left, right, id);
      }
    }
    this.merges = merges;
  }

  /** Symbol key of the code point `cp`, or -1 when it occurs in no piece. */
  keyOfCodePoint(cp: number): number {
    return cp < 0x10000 ? this.bmpKeys[cp]! : (this.astralKeys.get(cp) ?? -1);
  }

  /** Piece type of a valid id. */
  typeOf(id: number): PieceType {
    return TYPE_BY_CODE[this.types[id] ?? 0]!;
  }

  /** Rejects models this package cannot encode exactly, naming the field that selects the feature. */
  static checkSupported(model: SentencePieceModelData): void {
    if (model.trainerSpec.modelType !== 'BPE') {
      throw new UnsupportedTokenizerError(
        'trainer_spec.model_type',
        model.trainerSpec.modelType,
        'only BPE models (LLaMA family) are implemented.',
      );
    }
    if (model.normalizerSpec.precompiledCharsmap.length > 0) {
      // NOTE: SentencePiece's compiled normalization rules (such as nmt_nfkc) are not implemented;
      // LLaMA-family BPE models use the identity normalizer, which has none.
      throw new UnsupportedTokenizerError(
        'normalizer_spec.precompiled_charsmap',
        model.normalizerSpec.name,
        'only the identity normalizer is implemented; use a model without normalization rules.',
      );
    }
    if (model.trainerSpec.treatWhitespaceAsSuffix) {
      throw new UnsupportedTokenizerError(
        'trainer_spec.treat_whitespace_as_suffix',
        true,
        'only the prefix whitespace marker (as in LLaMA) is implemented.',
      );
    }
  }
}
