import { type ChatTemplate, ChatTemplateError, type RenderOptions } from '@minichat/chat-template';
import type { GenerateOptions, Model, SamplingOptions } from '@minichat/runtime';
import { ContextLengthExceededError, InvalidParameterError, InvalidRequestError } from '../errors.js';
import { DEFAULT_COMPLETION_MAX_TOKENS } from '../limits.js';
import type { ValidatedChatRequest } from '../validate/chat-request.js';
import type { SamplingSettings, ValidatedCommonFields } from '../validate/common.js';
import type { ValidatedCompletionRequest } from '../validate/completion-request.js';

/** Model and settings the engine uses to turn a request into a generation. */
export interface PrepareContext {
  /** The loaded model. */
  model: Model;
  /** Chat format, or `undefined` when chat requests are not served. */
  chatTemplate: ChatTemplate | undefined;
  /** Options for every chat render, such as a system prompt. */
  renderOptions: RenderOptions;
  /** Largest `max_tokens` a request may ask for. */
  maxTokensLimit: number;
}

/** A request ready for `Model.generate`, besides the abort signal. */
export interface PreparedGeneration {
  /** Prompt ids, BOS included. */
  promptTokens: number[];
  /** Tokens the generation may produce. */
  maxTokens: number;
  /** Options for `Model.generate`. */
  options: GenerateOptions;
}

/** Renders and encodes the conversation of a chat request, then applies the shared checks. */
export function prepareChat(request: ValidatedChatRequest, context: PrepareContext): PreparedGeneration {
  const template = context.chatTemplate;
  if (template === undefined) {
    throw new InvalidRequestError(
      'This engine has no chat template, so it cannot handle chat requests. Use the completions ' +
        'endpoint, or start the engine with a chat template.',
      'messages',
      'chat_template_missing',
    );
  }
  let parts: ReturnType<ChatTemplate['render']>['parts'];
  try {
    parts = template.render(request.messages, context.renderOptions).parts;
  } catch (error) {
    if (!(error instanceof ChatTemplateError)) throw error;
    const index = (error as { index?: unknown }).index;
    const param = typeof index === 'number' ? `messages[${index}]` : 'messages';
    throw new InvalidRequestError(
      `The chat template '${template.name}' cannot render these messages: ${error.message}`,
      param,
      'invalid_conversation',
      { cause: error },
    );
  }
  const promptTokens = context.model.tokenizer.encode(parts);
  const stop = [...new Set([...template.stop.stopStrings, ...request.stop])];
  const stopTokens = [...new Set([...context.model.config.eosTokenIds, ...template.stop.eosTokenIds])];
  return finishPreparation(promptTokens, { ...request, stop }, stopTokens, undefined, context);
}

/** Encodes the prompt of a completions request, then applies the shared checks. */
export function prepareCompletion(
  request: ValidatedCompletionRequest,
  context: PrepareContext,
): PreparedGeneration {
  const vocabSize = context.model.config.vocabSize;
  if (typeof request.prompt !== 'string') {
    const invalid = request.prompt.find((id) => id >= vocabSize);
    if (invalid !== undefined) {
      throw new InvalidParameterError('prompt', invalid, `expected token ids in [0, ${vocabSize - 1}]`);
    }
  }
  const promptTokens =
    typeof request.prompt === 'string' ? context.model.tokenizer.encode(request.prompt) : [...request.prompt];
  return finishPreparation(
    promptTokens,
    request,
    context.model.config.eosTokenIds,
    DEFAULT_COMPLETION_MAX_TOKENS,
    context,
  );
}

/**
 * Checks the prompt length, `max_tokens` and the logit bias ids against the model, and builds the
 * generation options.
 *
 * @param defaultMaxTokens - reply length when the request sets none; `undefined` uses the rest of the
 *   context window, up to the engine's limit
 */
function finishPreparation(
  promptTokens: number[],
  request: ValidatedCommonFields,
  stopTokens: readonly number[],
  defaultMaxTokens: number | undefined,
  context: PrepareContext,
): PreparedGeneration {
  const { contextLength } = context.model;
  const available = contextLength - promptTokens.length;
  if (available < 1) throw new ContextLengthExceededError(promptTokens.length, 0, contextLength);

  let maxTokens: number;
  if (request.maxTokens === undefined) {
    maxTokens = Math.min(defaultMaxTokens ?? context.maxTokensLimit, context.maxTokensLimit, available);
  } else {
    if (request.maxTokens > context.maxTokensLimit) {
      throw new InvalidParameterError(
        'max_tokens',
        request.maxTokens,
        `expected at most ${context.maxTokensLimit}, this engine's limit`,
      );
    }
    if (request.maxTokens > available) {
      throw new ContextLengthExceededError(promptTokens.length, request.maxTokens, contextLength);
    }
    maxTokens = request.maxTokens;
  }

  const vocabSize = context.model.config.vocabSize;
  for (const id of request.sampling.logitBias?.keys() ?? []) {
    if (id >= vocabSize) {
      throw new InvalidParameterError(
        'logit_bias',
        String(id),
        `expected token ids in [0, ${vocabSize - 1}]`,
      );
    }
  }

  return {
    promptTokens,
    maxTokens,
    options: {
      promptTokens,
      maxTokens,
      sampling: toSamplingOptions(request.sampling),
      stop: request.stop,
      stopTokens,
    },
  };
}

/** Copies the settings that a request set into the runtime's sampling options. */
function toSamplingOptions(settings: SamplingSettings): SamplingOptions {
  const options: SamplingOptions = { logprobs: settings.logprobs, topLogprobs: settings.topLogprobs };
  const copy = <K extends keyof SamplingOptions & keyof SamplingSettings>(key: K): void => {
    if (settings[key] !== undefined) options[key] = settings[key] as SamplingOptions[K];
  };
  copy('temperature');
  copy('topP');
  copy('topK');
  copy('minP');
  copy('typicalP');
  copy('repetitionPenalty');
  copy('presencePenalty');
  copy('frequencyPenalty');
  copy('penaltyWindow');
  copy('logitBias');
  copy('seed');
  return options;
}
