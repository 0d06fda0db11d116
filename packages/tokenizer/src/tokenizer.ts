import { BpeEncoder } from './bpe.js';
import { InvalidTokenIdError, TokenizerArgumentError } from './errors.js';
import type { PieceType, SentencePieceModelData } from './model-data.js';
import { normalizeText } from './normalizer.js';
import { type DecoderSettings, StreamDecoder, type StreamDecoderOptions } from './stream-decoder.js';
import { TypeCode, Vocabulary } from './vocabulary.js';

/** A piece of prompt text, as `@minichat/chat-template` returns it. */
export interface PromptPart {
  /** The text. */
  text: string;
  /** Whether special-token strings (`<s>`, `</s>`, added tokens) inside `text` become their ids. */
  allowSpecial: boolean;
}

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Prepend the BOS id. Default: the tokenizer's `addBosToken` (true for LLaMA). */
  addBos?: boolean;
  /** Append the EOS id. Default: the tokenizer's `addEosToken` (false for LLaMA). */
  addEos?: boolean;
  /** For a string input, turn special-token strings into their ids. Default: false (they stay text). */
  parseSpecial?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Skip CONTROL and UNKNOWN pieces and added special tokens instead of writing their text. Default: false. */
  skipSpecialTokens?: boolean;
}

/** Settings a loader passes to the {@link Tokenizer} constructor. */
export interface TokenizerInit {
  /** The model; the tokenizer keeps a private copy. */
  model: SentencePieceModelData;
  /** Whether `encode` prepends BOS by default. */
  addBosToken: boolean;
  /** Whether `encode` appends EOS by default. */
  addEosToken: boolean;
  /** Ids of added tokens (from `tokenizer.json`) that count as special besides CONTROL and UNKNOWN pieces. */
  extraSpecialIds?: readonly number[];
  /**
   * Whether every text run between special tokens gets its own dummy prefix (SentencePiece and the
   * MiniChat reference) or only the first run (Hugging Face Metaspace with `prepend_scheme: "first"`).
   * Default: true.
   */
  prefixEverySegment?: boolean;
}

/** Longest normalized segment, in UTF-16 code units, whose ids are cached; longer ones are rare words. */
const CACHED_SEGMENT_LENGTH = 48;
/** UTF-16 code of `▁`. */
const SPACE_CODE = 0x2581;
/** Cached segments before the cache is cleared, bounding its memory to a few MB. */
const SEGMENT_CACHE_ENTRIES = 50_000;

/**
 * A SentencePiece BPE tokenizer with byte fallback (the LLaMA family). Create one with
 * `loadSentencePieceModel`, `loadTokenizerJson`, `loadLlama2cTokenizer` or `loadTokenizer`.
 */
export class Tokenizer {
  /** Number of pieces; valid ids are `0 .. vocabSize - 1`. */
  readonly vocabSize: number;
  /** Id of `<s>`, or -1 when the model has none. */
  readonly bosId: number;
  /** Id of `</s>`, or -1 when the model has none. */
  readonly eosId: number;
  /** Id of `<unk>`. */
  readonly unkId: number;
  /** Id of the padding piece, or `undefined` when the model has none. */
  readonly padId: number | undefined;
  /** Whether `encode` prepends BOS when `options.addBos` is not given. */
  readonly addBosToken: boolean;
  /** Whether `encode` appends EOS when `options.addEos` is not given. */
  readonly addEosToken: boolean;

  readonly #model: SentencePieceModelData;
  readonly #vocab: Vocabulary;
  readonly #bpe: BpeEncoder;
  readonly #decoderSettings: DecoderSettings;
  readonly #specialPattern: RegExp | undefined;
  readonly #segmentCache = new Map<string, number[]>();
  readonly #prefixEverySegment: boolean;

  /** Builds a tokenizer from model data; loaders call this after parsing a file. */
  constructor(init: TokenizerInit) {
    Vocabulary.checkSupported(init.model);
    this.#model = cloneModel(init.model);
    const vocab = new Vocabulary(this.#model);
    this.#vocab = vocab;
    this.#bpe = new BpeEncoder(vocab);
    const spec = this.#model.trainerSpec;
    const inRange = (id: number): number => (id >= 0 && id < vocab.pieces.length ? id : -1);
    this.vocabSize = vocab.pieces.length;
    this.unkId = vocab.unkId;
    this.bosId = inRange(spec.bosId);
    this.eosId = inRange(spec.eosId);
    const pad = inRange(spec.padId);
    this.padId = pad >= 0 ? pad : undefined;
    this.addBosToken = init.addBosToken && this.bosId >= 0;
    this.addEosToken = init.addEosToken && this.eosId >= 0;

    this.#prefixEverySegment = init.prefixEverySegment ?? true;
    const extraSpecialIds = new Set(init.extraSpecialIds ?? []);
    const norm = this.#model.normalizerSpec;
    this.#decoderSettings = {
      vocab,
      stripsDummyPrefix: norm.addDummyPrefix || norm.removeExtraWhitespaces,
      extraSpecialIds,
    };
    const specials: string[] = [];
    for (let id = 0; id < vocab.pieces.length; id++) {
      const type = vocab.types[id];
      if (type === TypeCode.CONTROL || type === TypeCode.UNKNOWN || extraSpecialIds.has(id)) {
        specials.push(vocab.pieces[id]!);
      }
    }
    specials.sort((a, b) => b.length - a.length);
    this.#specialPattern =
      specials.length === 0 ? undefined : new RegExp(specials.map(escapeRegExp).join('|'), 'g');
  }

  /**
   * Encodes text or prompt parts into ids with SentencePiece BPE semantics.
   *
   * For `PromptPart[]`, special-token strings are recognised only inside parts with `allowSpecial`.
   * The parts are joined and split at the recognised special tokens. Each text run between them is
   * encoded with its own dummy prefix. For a string, `parseSpecial: true` treats it as one such part.
   *
   * @throws TokenizerArgumentError when the input or an option has the wrong type.
   */
  encode(input: string | readonly PromptPart[], options: EncodeOptions = {}): number[] {
    const addBos = readBoolean(options, 'addBos', this.addBosToken);
    const addEos = readBoolean(options, 'addEos', this.addEosToken);
    const parseSpecial = readBoolean(options, 'parseSpecial', false);
    if (addBos && this.bosId < 0)
      throw new TokenizerArgumentError('options.addBos', true, 'false because this model has no BOS piece');
    if (addEos && this.eosId < 0)
      throw new TokenizerArgumentError('options.addEos', true, 'false because this model has no EOS piece');

    const ids: number[] = [];
    if (addBos) ids.push(this.bosId);
    if (typeof input === 'string') {
      if (parseSpecial) this.#encodeParts([{ text: input, allowSpecial: true }], ids);
      else this.#encodeText(input, ids);
    } else if (Array.isArray(input)) {
      for (const [index, part] of input.entries()) checkPart(part, index);
      this.#encodeParts(input, ids);
    } else {
      throw new TokenizerArgumentError(
        'input',
        input,
        'a string or an array of { text, allowSpecial } parts',
      );
    }
    if (addEos) ids.push(this.eosId);
    return ids;
  }

  /**
   * Decodes ids into text. Each `▁` becomes a space, and the first piece loses its dummy-prefix space.
   * BYTE pieces are joined into UTF-8, with one U+FFFD for each invalid byte.
   *
   * @throws InvalidTokenIdError naming the first id outside `[0, vocabSize)`.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) throw new TokenizerArgumentError('ids', ids, 'an array of token ids');
    const skipSpecialTokens = readBoolean(options, 'skipSpecialTokens', false);
    const decoder = new StreamDecoder(this.#decoderSettings, { skipSpecialTokens, stripLeadingSpace: true });
    let text = '';
    for (const id of ids) text += decoder.push(id);
    return text + decoder.flush();
  }

  /** Creates a decoder that turns ids into text deltas one id at a time, never splitting a UTF-8 character. */
  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    readBoolean(options, 'skipSpecialTokens', false);
    readBoolean(options, 'stripLeadingSpace', true);
    return new StreamDecoder(this.#decoderSettings, options);
  }

  /** Returns the piece text of an id (with `▁` for spaces). @throws InvalidTokenIdError */
  idToPiece(id: number): string {
    return this.#vocab.pieces[this.#checkId(id)]!;
  }

  /** Returns the id of a piece, or `undefined` when the vocabulary lacks it. */
  pieceToId(piece: string): number | undefined {
    return this.#vocab.allIds.get(piece);
  }

  /** Returns the type of an id's piece. @throws InvalidTokenIdError */
  pieceType(id: number): PieceType {
    return this.#vocab.typeOf(this.#checkId(id));
  }

  /** Returns the score of an id's piece (its BPE merge priority). @throws InvalidTokenIdError */
  pieceScore(id: number): number {
    return this.#vocab.scores[this.#checkId(id)]!;
  }

  /** Returns a copy of the model data, ready to change and write with `serializeSentencePieceModel`. */
  toSentencePieceModelData(): SentencePieceModelData {
    return cloneModel(this.#model);
  }

  #checkId(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
      throw new InvalidTokenIdError(id, this.vocabSize);
    return id;
  }

  #encodeParts(parts: readonly PromptPart[], ids: number[]): void {
    let pending = '';
    let first = true;
    for (const part of parts) {
      if (!part.allowSpecial || this.#specialPattern === undefined) {
        pending += part.text;
        continue;
      }
      const pattern = this.#specialPattern;
      pattern.lastIndex = 0;
      let last = 0;
      for (let match = pattern.exec(part.text); match !== null; match = pattern.exec(part.text)) {
        pending += part.text.slice(last, match.index);
        this.#encodeText(pending, ids, first || this.#prefixEverySegment);
        first = false;
        pending = '';
        ids.push(this.#vocab.allIds.get(match[0])!);
        last = match.index + match[0].length;
      }
      pending += part.text.slice(last);
    }
    this.#encodeText(pending, ids, first || this.#prefixEverySegment);
  }

  #encodeText(text: string, ids: number[], dummyPrefix = true): void {
    const spec = this.#model.normalizerSpec;
    const normalized = normalizeText(text, dummyPrefix ? spec : { ...spec, addDummyPrefix: false });
    if (!this.#vocab.canSplitBeforeSpace) {
      this.#bpe.encode(normalized, ids);
      return;
    }
    // Split in front of each `▁` that follows another character: no piece spans such a boundary.
    let begin = 0;
    let previous = normalized.charCodeAt(0);
    for (let i = 1; i < normalized.length; i++) {
      const current = normalized.charCodeAt(i);
      if (current === SPACE_CODE && previous !== SPACE_CODE) {
        this.#encodeSegment(normalized.slice(begin, i), ids);
        begin = i;
      }
      previous = current;
    }
    if (begin < normalized.length) this.#encodeSegment(normalized.slice(begin), ids);
  }

  #encodeSegment(segment: string, ids: number[]): void {
    if (segment.length > CACHED_SEGMENT_LENGTH) {
      this.#bpe.encode(segment, ids);
      return;
    }
    let cached = this.#segmentCache.get(segment);
    if (cached === undefined) {
      cached = [];
      this.#bpe.encode(segment, cached);
      if (this.#segmentCache.size >= SEGMENT_CACHE_ENTRIES) this.#segmentCache.clear();
      this.#segmentCache.set(segment, cached);
    }
    for (const id of cached) ids.push(id);
  }
}

function readBoolean(options: object, name: string, fallback: boolean): boolean {
  if (options === null || typeof options !== 'object')
    throw new TokenizerArgumentError('options', options, 'an object');
  const value = (options as Record<string, unknown>)[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TokenizerArgumentError(`options.${name}`, value, 'a boolean');
  return value;
}

function checkPart(part: unknown, index: number): void {
  const record = part as PromptPart | null;
  if (record === null || typeof record !== 'object' || typeof record.text !== 'string') {
    throw new TokenizerArgumentError(`input[${index}].text`, record?.text, 'a string');
  }
  if (typeof record.allowSpecial !== 'boolean') {
    throw new TokenizerArgumentError(`input[${index}].allowSpecial`, record.allowSpecial, 'a boolean');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cloneModel(model: SentencePieceModelData): SentencePieceModelData {
  return {
    pieces: model.pieces.map((entry) => ({ piece: entry.piece, score: entry.score, type: entry.type })),
    trainerSpec: { ...model.trainerSpec, extraFields: model.trainerSpec.extraFields.slice() },
    normalizerSpec: {
      ...model.normalizerSpec,
      precompiledCharsmap: model.normalizerSpec.precompiledCharsmap.slice(),
      extraFields: model.normalizerSpec.extraFields.slice(),
    },
    extraFields: model.extraFields.slice(),
  };
}
