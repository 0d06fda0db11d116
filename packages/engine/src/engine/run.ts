import type { GenerationEvent, TokenEvent } from '@minichat/runtime';
import { EngineError, GenerationFailedError, RequestAbortedError } from '../errors.js';
import type { RequestStats } from '../log.js';
import type { CompletionUsage, FinishReason } from '../openai-types.js';

/** A stretch of output text and the tokens produced since the previous piece. */
export interface TextPiece {
  kind: 'text';
  /** New text; never part of a UTF-8 character or of a stop string. */
  text: string;
  /** Token events since the previous piece (with log-probabilities when requested). */
  tokens: TokenEvent[];
}

/** The end of a generation. */
export interface FinishPiece {
  kind: 'finish';
  /** The OpenAI finish reason. */
  reason: FinishReason;
  /** Token counts. */
  usage: CompletionUsage;
  /** Token events whose text never appeared, such as the tokens of a stop string. */
  tokens: TokenEvent[];
}

/** Output of {@link readGeneration}. */
export type OutputPiece = TextPiece | FinishPiece;

/**
 * Turns the runtime's events into text pieces and one finish piece, and records counts and timings in
 * `stats`. A generation that the signal aborted ends with {@link RequestAbortedError}; any other
 * failure inside the runtime becomes a {@link GenerationFailedError}.
 */
export async function* readGeneration(
  events: AsyncGenerator<GenerationEvent, void, undefined>,
  signal: AbortSignal | undefined,
  stats: RequestStats,
): AsyncGenerator<OutputPiece, void, undefined> {
  let tokens: TokenEvent[] = [];
  try {
    for await (const event of events) {
      if (event.type === 'token') {
        stats.completionTokens += 1;
        if (signal?.aborted) stats.tokensAfterAbort += 1;
        tokens.push(event);
      } else if (event.type === 'text') {
        yield { kind: 'text', text: event.text, tokens };
        tokens = [];
      } else {
        const { usage } = event;
        stats.finishReason = event.reason;
        stats.promptTokens = usage.promptTokens;
        stats.cachedPromptTokens = usage.cachedPromptTokens;
        stats.completionTokens = usage.completionTokens;
        stats.timeToFirstTokenMs = usage.timeToFirstTokenMs;
        stats.tokensPerSecond = usage.tokensPerSecond;
        if (event.reason === 'abort') throw new RequestAbortedError({ cause: signal?.reason });
        yield {
          kind: 'finish',
          // The context window filling up ends the reply early, like the max_tokens limit does.
          reason: event.reason === 'stop' ? 'stop' : 'length',
          usage: {
            prompt_tokens: usage.promptTokens,
            completion_tokens: usage.completionTokens,
            total_tokens: usage.promptTokens + usage.completionTokens,
          },
          tokens,
        };
        tokens = [];
      }
    }
  } catch (error) {
    if (EngineError.isInstance(error)) throw error;
    if (signal?.aborted) throw new RequestAbortedError({ cause: error });
    throw new GenerationFailedError(error);
  }
}
