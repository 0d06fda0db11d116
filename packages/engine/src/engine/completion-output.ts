import type { Tokenizer } from '@minichat/tokenizer';
import type { Completion, CompletionLogprobs } from '../openai-types.js';
import type { ResponseHeader } from './chat-output.js';
import { CompletionLogprobsBuilder, mergeCompletionLogprobs } from './logprobs.js';
import type { OutputPiece } from './run.js';

/** Settings of completion response assembly. */
export interface CompletionOutputOptions {
  /** Shared response fields. */
  header: ResponseHeader;
  /** Tokenizer for the text of logprob tokens. */
  tokenizer: Tokenizer;
  /** Whether the request asked for logprobs. */
  logprobs: boolean;
  /** Whether a stream ends with a usage chunk. */
  includeUsage: boolean;
}

/** Returns a function that turns a piece's tokens into completion logprobs, or `null` when none were requested. */
function logprobsReader(options: CompletionOutputOptions): (piece: OutputPiece) => CompletionLogprobs | null {
  if (!options.logprobs) return () => null;
  const builder = new CompletionLogprobsBuilder(options.tokenizer);
  return (piece) => mergeCompletionLogprobs(piece.tokens.map((event) => builder.add(event)));
}

/** Collects the pieces of one generation into a `text_completion` response. */
export async function collectCompletion(
  pieces: AsyncIterable<OutputPiece>,
  options: CompletionOutputOptions,
): Promise<Completion> {
  const readLogprobs = logprobsReader(options);
  const parts: CompletionLogprobs[] = [];
  let text = '';
  for await (const piece of pieces) {
    const logprobs = readLogprobs(piece);
    if (logprobs !== null) parts.push(logprobs);
    if (piece.kind === 'text') {
      text += piece.text;
      continue;
    }
    return {
      ...options.header,
      object: 'text_completion',
      choices: [
        {
          text,
          index: 0,
          logprobs: options.logprobs ? mergeCompletionLogprobs(parts) : null,
          finish_reason: piece.reason,
        },
      ],
      usage: piece.usage,
    };
  }
  // readGeneration always ends with a finish piece or throws, so this is unreachable.
  throw new Error('The generation ended without a finish event.');
}

/**
 * Turns the pieces of one generation into streamed `text_completion` chunks: one per text piece, a last
 * one with the finish reason and, with `includeUsage`, a usage chunk with no choices.
 */
export async function* completionChunks(
  pieces: AsyncIterable<OutputPiece>,
  options: CompletionOutputOptions,
): AsyncGenerator<Completion, void, undefined> {
  const readLogprobs = logprobsReader(options);
  const usageField = options.includeUsage ? { usage: null } : {};
  for await (const piece of pieces) {
    const logprobs = readLogprobs(piece);
    const finished = piece.kind === 'finish';
    yield {
      ...options.header,
      object: 'text_completion',
      choices: [
        {
          text: finished ? '' : piece.text,
          index: 0,
          logprobs,
          finish_reason: finished ? piece.reason : null,
        },
      ],
      ...usageField,
    };
    if (finished && options.includeUsage) {
      yield { ...options.header, object: 'text_completion', choices: [], usage: piece.usage };
    }
  }
}
