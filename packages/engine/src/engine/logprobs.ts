import type { TokenEvent } from '@minichat/runtime';
import type { Tokenizer } from '@minichat/tokenizer';
import type { ChatTokenLogprob, ChatTokenLogprobWithTop, CompletionLogprobs } from '../openai-types.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * Returns a token's text and UTF-8 bytes as the OpenAI API shows them. `▁` becomes a space, and the
 * leading space of a word is kept. A byte-fallback piece such as `<0xE4>` is that one byte, and its text
 * is U+FFFD when the byte is only part of a character.
 */
export function tokenText(tokenizer: Tokenizer, id: number): { token: string; bytes: number[] } {
  const piece = tokenizer.idToPiece(id);
  if (tokenizer.pieceType(id) === 'BYTE') {
    const match = BYTE_PIECE.exec(piece);
    if (match !== null) {
      const byte = Number.parseInt(match[1]!, 16);
      return { token: utf8Decoder.decode(Uint8Array.of(byte)), bytes: [byte] };
    }
  }
  const token = piece.replaceAll('\u2581', ' ');
  return { token, bytes: [...utf8Encoder.encode(token)] };
}

/** Builds one chat `logprobs.content` entry from a token event that carries log-probabilities. */
export function chatLogprobEntry(tokenizer: Tokenizer, event: TokenEvent): ChatTokenLogprobWithTop {
  const entry = (id: number, logprob: number): ChatTokenLogprob => ({ ...tokenText(tokenizer, id), logprob });
  return {
    ...entry(event.token, event.logprob ?? 0),
    top_logprobs: (event.topLogprobs ?? []).map((alternative) =>
      entry(alternative.token, alternative.logprob),
    ),
  };
}

/**
 * Collects the legacy completions `logprobs` object token by token. Text offsets count UTF-16 code
 * units of the decoded output, so the first token's dummy-prefix space is not counted.
 */
export class CompletionLogprobsBuilder {
  private readonly decoder;
  private offset = 0;

  constructor(private readonly tokenizer: Tokenizer) {
    this.decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true, stripLeadingSpace: true });
  }

  /** Adds one token and returns the logprobs of that token alone, for a stream chunk. */
  add(event: TokenEvent): CompletionLogprobs {
    const top: Record<string, number> = {};
    for (const alternative of event.topLogprobs ?? []) {
      const text = tokenText(this.tokenizer, alternative.token).token;
      // Two tokens can share a text (a byte piece and a normal piece); the first, more likely one is kept.
      if (!(text in top)) top[text] = alternative.logprob;
    }
    const single: CompletionLogprobs = {
      tokens: [tokenText(this.tokenizer, event.token).token],
      token_logprobs: [event.logprob ?? 0],
      top_logprobs: [top],
      text_offset: [this.offset],
    };
    this.offset += this.decoder.push(event.token).length;
    return single;
  }
}

/** Joins per-token completion logprobs into one object. */
export function mergeCompletionLogprobs(parts: readonly CompletionLogprobs[]): CompletionLogprobs {
  return {
    tokens: parts.flatMap((part) => part.tokens),
    token_logprobs: parts.flatMap((part) => part.token_logprobs),
    top_logprobs: parts.flatMap((part) => part.top_logprobs),
    text_offset: parts.flatMap((part) => part.text_offset),
  };
}
