import type { PromptPart, Tokenizer } from '@minichat/tokenizer';
import { ContextLengthError, InvalidOptionError } from '../errors.js';
import { resolveSamplingOptions, type SamplingOptions } from '../sampler/options.js';
import { createSampler } from '../sampler/sampler.js';
import type { InferenceEngine } from './engine.js';
import type { FinishEvent, FinishReason, GenerationEvent } from './events.js';
import { StopStringMatcher } from './stop-strings.js';

/** Options of `Model.generate`. Give exactly one of `prompt` and `promptTokens`. */
export interface GenerateOptions {
  /**
   * Prompt text, or prompt parts from a chat template. Encoded with the tokenizer's BOS setting, and
   * special-token strings count only inside parts with `allowSpecial: true`.
   */
  prompt?: string | readonly PromptPart[];
  /** Prompt token ids, used as given (include BOS yourself). */
  promptTokens?: readonly number[];
  /** Maximum tokens to produce. Default: until the context window is full. */
  maxTokens?: number;
  /** Sampling settings. Default: temperature 1 and no filters. */
  sampling?: SamplingOptions;
  /** Strings that end generation; the output stops right before them. Default none. */
  stop?: readonly string[];
  /** Token ids that end generation. Default: the model's end-of-sequence ids. */
  stopTokens?: readonly number[];
  /** Aborts within one step; the generation then finishes with reason `abort`. Default none. */
  signal?: AbortSignal;
  /**
   * Drops the space that SentencePiece puts before the first output word. Default: true when the prompt
   * has no text (only special tokens such as BOS), so a story from BOS starts with "Once", and false
   * otherwise, so a continuation keeps the space after the prompt. Chat sessions set it.
   */
  stripLeadingSpace?: boolean;
}

/** Model parts that {@link runGeneration} uses. */
export interface GenerationContext {
  engine: InferenceEngine;
  tokenizer: Tokenizer;
  vocabSize: number;
  defaultStopTokens: readonly number[];
}

/** Checks the options and encodes the prompt; throws before any work starts. */
export function preparePrompt(context: GenerationContext, options: GenerateOptions): number[] {
  const { prompt, promptTokens } = options;
  if ((prompt === undefined) === (promptTokens === undefined)) {
    throw new InvalidOptionError('prompt', prompt, 'give exactly one of prompt and promptTokens');
  }
  const tokens = promptTokens !== undefined ? [...promptTokens] : context.tokenizer.encode(prompt!);
  if (tokens.length === 0) {
    throw new InvalidOptionError(
      'prompt',
      prompt ?? promptTokens,
      'the prompt must contain at least one token (add BOS)',
    );
  }
  for (const token of tokens) {
    if (!Number.isInteger(token) || token < 0 || token >= context.vocabSize) {
      throw new InvalidOptionError(
        'promptTokens',
        token,
        `expected token ids in [0, ${context.vocabSize - 1}]`,
      );
    }
  }
  const contextLength = context.engine.contextLength;
  if (tokens.length >= contextLength) {
    throw new ContextLengthError(tokens.length + 1, contextLength, 'The prompt plus one generated token');
  }
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens >= 1)) {
    throw new InvalidOptionError('maxTokens', options.maxTokens, 'expected an integer >= 1');
  }
  for (const stop of options.stop ?? []) {
    if (typeof stop !== 'string' || stop.length === 0) {
      throw new InvalidOptionError('stop', stop, 'expected non-empty strings');
    }
  }
  for (const token of options.stopTokens ?? []) {
    if (!Number.isInteger(token) || token < 0)
      throw new InvalidOptionError('stopTokens', token, 'expected token ids >= 0');
  }
  resolveSamplingOptions(options.sampling, context.vocabSize);
  return tokens;
}

/**
 * Generates tokens after `promptTokens`, yielding token and text events and one finish event. The caller
 * must keep other generations off the engine for the whole run.
 */
export async function* runGeneration(
  context: GenerationContext,
  promptTokens: readonly number[],
  options: GenerateOptions,
): AsyncGenerator<GenerationEvent, void, undefined> {
  const { engine, tokenizer } = context;
  const { signal } = options;
  const sampler = createSampler(options.sampling, context.vocabSize);
  const stopTokens = new Set(options.stopTokens ?? context.defaultStopTokens);
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const stripLeadingSpace =
    options.stripLeadingSpace ?? tokenizer.decode(promptTokens, { skipSpecialTokens: true }).length === 0;
  const decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true, stripLeadingSpace });
  const stopMatcher = new StopStringMatcher(options.stop ?? []);

  const startTime = performance.now();
  const history = [...promptTokens];
  const produced: number[] = [];
  let text = '';
  let cachedPromptTokens = 0;
  let prefillTime = 0;
  let firstTokenTime: number | undefined;

  const finish = (reason: FinishReason, extra: Partial<FinishEvent> = {}): FinishEvent => {
    const end = performance.now();
    const computed = promptTokens.length - cachedPromptTokens;
    return {
      type: 'finish',
      reason,
      text,
      tokens: produced,
      ...extra,
      usage: {
        promptTokens: promptTokens.length,
        cachedPromptTokens,
        completionTokens: produced.length,
        timeToFirstTokenMs: firstTokenTime === undefined ? undefined : firstTokenTime - startTime,
        prefillTokensPerSecond: computed > 0 && prefillTime > 0 ? computed / (prefillTime / 1000) : undefined,
        tokensPerSecond:
          produced.length >= 2 && firstTokenTime !== undefined
            ? (produced.length - 1) / ((end - firstTokenTime) / 1000)
            : undefined,
      },
    };
  };
  // Emits held-back text when generation ends without a stop string.
  function* flushText(): Generator<GenerationEvent> {
    const rest = stopMatcher.push(decoder.flush()).text + stopMatcher.flush();
    if (rest.length > 0) {
      text += rest;
      yield { type: 'text', text: rest };
    }
  }

  if (signal?.aborted) {
    yield finish('abort');
    return;
  }
  try {
    cachedPromptTokens = await engine.prefill(promptTokens, signal);
  } catch (error) {
    if (signal?.aborted) {
      yield finish('abort');
      return;
    }
    throw error;
  }
  prefillTime = performance.now() - startTime;

  for (;;) {
    if (signal?.aborted) {
      yield* flushText();
      yield finish('abort');
      return;
    }

    const sampled = await engine.chooseToken(sampler, history);
    firstTokenTime ??= performance.now();
    if (stopTokens.has(sampled.token)) {
      yield* flushText();
      yield finish('stop', { stopToken: sampled.token });
      return;
    }

    produced.push(sampled.token);
    history.push(sampled.token);
    yield { type: 'token', ...sampled };

    const { text: delta, stop } = stopMatcher.push(decoder.push(sampled.token));
    if (delta.length > 0) {
      text += delta;
      yield { type: 'text', text: delta };
    }
    if (stop !== undefined) {
      yield finish('stop', { stopString: stop });
      return;
    }
    if (produced.length >= maxTokens) {
      yield* flushText();
      yield finish('length');
      return;
    }
    if (engine.cachedTokens.length >= engine.contextLength) {
      yield* flushText();
      yield finish('context');
      return;
    }

    engine.step(sampled.token);
  }
}
