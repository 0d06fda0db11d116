import { InvalidTokenIdError } from './errors.js';
import { Utf8Assembler } from './utf8-assembler.js';
import { SPACE_SYMBOL, TypeCode, type Vocabulary } from './vocabulary.js';

/** Options of {@link StreamDecoder} and `Tokenizer.createStreamDecoder`. */
export interface StreamDecoderOptions {
  /** Skip CONTROL and UNKNOWN pieces (`<s>`, `</s>`, `<unk>`) instead of writing their text. Default: false. */
  skipSpecialTokens?: boolean;
  /**
   * Remove the `▁` that starts the first piece, as SentencePiece does for the dummy prefix. Only the
   * first piece that is not a skipped special token is affected. Default: true.
   */
  stripLeadingSpace?: boolean;
}

/** Settings from the model that decoding needs. */
export interface DecoderSettings {
  vocab: Vocabulary;
  /** SentencePiece strips the first `▁` only when the normalizer adds a dummy prefix or removes extra spaces. */
  stripsDummyPrefix: boolean;
  /** Ids of added special tokens (from `tokenizer.json`) that `skipSpecialTokens` also skips. */
  extraSpecialIds: ReadonlySet<number>;
}

/**
 * Turns ids into text one id at a time. Every returned delta is whole UTF-8 characters: bytes of a
 * character split across BYTE pieces are held until the character is complete. Call `flush` at the
 * end to release held bytes (as U+FFFD, since they never formed a character).
 */
export class StreamDecoder {
  private readonly settings: DecoderSettings;
  private readonly skipSpecialTokens: boolean;
  private atStart: boolean;
  private readonly bytes = new Utf8Assembler();

  /** @internal Create decoders with `Tokenizer.createStreamDecoder`. */
  constructor(settings: DecoderSettings, options: StreamDecoderOptions = {}) {
    this.settings = settings;
    this.skipSpecialTokens = options.skipSpecialTokens ?? false;
    this.atStart = (options.stripLeadingSpace ?? true) && settings.stripsDummyPrefix;
  }

  /**
   * Adds one id and returns the text it completes (possibly empty).
   *
   * @throws InvalidTokenIdError when `id` is not an integer in `[0, vocabSize)`.
   */
  push(id: number): string {
    const vocab = this.settings.vocab;
    if (!Number.isInteger(id) || id < 0 || id >= vocab.pieces.length) {
      throw new InvalidTokenIdError(id, vocab.pieces.length);
    }
    const type = vocab.types[id]!;
    if (type === TypeCode.BYTE) {
      this.atStart = false;
      return this.bytes.push(vocab.byteValues[id]!);
    }
    let text = this.bytes.hasPending ? this.bytes.flush() : '';
    const special =
      type === TypeCode.CONTROL || type === TypeCode.UNKNOWN || this.settings.extraSpecialIds.has(id);
    if (special) {
      if (this.skipSpecialTokens) return text;
      this.atStart = false;
      return text + vocab.pieces[id]!;
    }
    let piece = vocab.pieces[id]!;
    if (this.atStart && piece.startsWith(SPACE_SYMBOL)) piece = piece.slice(SPACE_SYMBOL.length);
    this.atStart = false;
    text += piece.replaceAll(SPACE_SYMBOL, ' ');
    return text;
  }

  /** Returns the text of bytes still held (one U+FFFD per byte) and resets the byte buffer. */
  flush(): string {
    return this.bytes.flush();
  }
}
