import type { Tokenizer } from '@minichat/tokenizer';
import type { ChatChoiceLogprobs, ChatCompletion, ChatCompletionChunk } from '../openai-types.js';
import { chatLogprobEntry } from './logprobs.js';
import type { OutputPiece } from './run.js';

/** Fields every chat response and chunk repeats. */
export interface ResponseHeader {
  /** Request id. */
  id: string;
  /** Unix seconds. */
  created: number;
  /** Model id. */
  model: string;
}

/** Settings of chat response assembly. */
export interface ChatOutputOptions {
  /** Shared response fields. */
  header: ResponseHeader;
  /** Tokenizer for the text of logprob tokens. */
  tokenizer: Tokenizer;
  /** Whether the request asked for logprobs. */
  logprobs: boolean;
  /** Whether a stream ends with a usage chunk. */
  includeUsage: boolean;
}

/** Converts the token events of a piece into chat logprobs, or `null` when none were requested. */
function pieceLogprobs(piece: OutputPiece, options: ChatOutputOptions): ChatChoiceLogprobs | null {
  if (!options.logprobs) return null;
  return { content: piece.tokens.map((event) => chatLogprobEntry(options.tokenizer, event)) };
}

/** Collects the pieces of one generation into a `chat.completion` response. */
export async function collectChatCompletion(
  pieces: AsyncIterable<OutputPiece>,
  options: ChatOutputOptions,
): Promise<ChatCompletion> {
  let content = '';
  const logprobs: ChatChoiceLogprobs = { content: [] };
  for await (const piece of pieces) {
    logprobs.content.push(...(pieceLogprobs(piece, options)?.content ?? []));
    if (piece.kind === 'text') {
      content += piece.text;
      continue;
    }
    return {
      ...options.header,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: options.logprobs ? logprobs : null,
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
 * Turns the pieces of one generation into `chat.completion.chunk` objects: a first chunk with the
 * assistant role, one chunk per text piece, a last chunk with the finish reason and, with
 * `includeUsage`, a usage chunk with no choices.
 */
export async function* chatCompletionChunks(
  pieces: AsyncIterable<OutputPiece>,
  options: ChatOutputOptions,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const usageField = options.includeUsage ? { usage: null } : {};
  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    logprobs: ChatChoiceLogprobs | null,
    finishReason: ChatCompletionChunk['choices'][number]['finish_reason'],
  ): ChatCompletionChunk => ({
    ...options.header,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }],
    ...usageField,
  });

  yield chunk({ role: 'assistant', content: '' }, null, null);
  for await (const piece of pieces) {
    if (piece.kind === 'text') {
      yield chunk({ content: piece.text }, pieceLogprobs(piece, options), null);
      continue;
    }
    const rest = pieceLogprobs(piece, options);
    yield chunk({}, rest !== null && rest.content.length > 0 ? rest : null, piece.reason);
    if (options.includeUsage) {
      yield { ...options.header, object: 'chat.completion.chunk', choices: [], usage: piece.usage };
    }
  }
}
