import {
  builtinTemplate,
  type ChatMessage,
  type ChatTemplate,
  ContextBudgetError,
  fitConversation,
  type RenderedPrompt,
  type RenderOptions,
} from '@minichat/chat-template';
import { ContextLengthError, InvalidOptionError } from '../errors.js';
import type { GenerationEvent } from '../generation/events.js';
import { type GenerateOptions, preparePrompt } from '../generation/generate.js';
import type { Model } from '../model/model.js';
import type { SamplingOptions } from '../sampler/options.js';

/** Options of `Model.createChatSession`. */
export interface ChatSessionOptions {
  /** The prompt format. Default: the built-in `minichat` template. */
  template?: ChatTemplate;
  /** Options for every render, such as `systemPrompt`. Default: the template's defaults. */
  renderOptions?: Omit<RenderOptions, 'addGenerationPrompt'>;
  /** Sampling of every reply, unless a `send` call overrides it. Default: temperature 1, no filters. */
  sampling?: SamplingOptions;
  /** Maximum tokens per reply, unless a `send` call overrides it. Default 512. */
  maxTokens?: number;
  /** Earlier messages to start from. Default none. */
  messages?: readonly ChatMessage[];
}

/** Options of {@link ChatSession.send}. */
export interface ChatSendOptions {
  /** Sampling of this reply. Default: the session's. */
  sampling?: SamplingOptions;
  /** Maximum tokens of this reply. Default: the session's. */
  maxTokens?: number;
  /** Extra stop strings besides the template's. Default none. */
  stop?: readonly string[];
  /** Aborts the reply; the session then stays as it was before this call. Default none. */
  signal?: AbortSignal;
}

/** Default of {@link ChatSessionOptions.maxTokens}. */
export const DEFAULT_CHAT_MAX_TOKENS = 512;

/**
 * A multi-turn conversation with a model. Each turn renders the whole conversation through the chat
 * template. The model's KV cache still contains the previous turns, so only the new text is computed.
 * When the conversation no longer fits the context window (with room for a reply), the oldest turns
 * are left out of the prompt, keeping the system prompt.
 */
export class ChatSession {
  private readonly template: ChatTemplate;
  private readonly history: ChatMessage[];

  /** @internal Use `Model.createChatSession`. */
  constructor(
    private readonly model: Model,
    private readonly options: ChatSessionOptions,
  ) {
    this.template = options.template ?? builtinTemplate('minichat');
    this.history = [...(options.messages ?? [])];
  }

  /** The conversation so far, oldest first, including turns left out of the prompt by a context shift. */
  get messages(): readonly ChatMessage[] {
    return this.history;
  }

  /**
   * Sends a user message and streams the reply. When the reply finishes (for any reason but an abort),
   * the user message and the reply join the conversation.
   *
   * @throws {@link ContextLengthError} when even the system prompt and this message leave no room for a reply
   * @throws {@link InvalidOptionError} for an invalid option
   */
  send(content: string, options: ChatSendOptions = {}): AsyncGenerator<GenerationEvent, void, undefined> {
    if (typeof content !== 'string') throw new InvalidOptionError('content', content, 'expected a string');
    const maxTokens = options.maxTokens ?? this.options.maxTokens ?? DEFAULT_CHAT_MAX_TOKENS;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new InvalidOptionError('maxTokens', maxTokens, 'expected an integer >= 1');
    }
    const conversation: ChatMessage[] = [...this.history, { role: 'user', content }];
    const promptTokens = this.encodeFitting(conversation, maxTokens);

    const stop = [...this.template.stop.stopStrings, ...(options.stop ?? [])];
    const stopTokens = [...new Set([...this.template.stop.eosTokenIds, ...this.model.config.eosTokenIds])];
    const generateOptions: GenerateOptions = {
      promptTokens,
      maxTokens,
      stop,
      stopTokens,
      stripLeadingSpace: true,
    };
    const sampling = options.sampling ?? this.options.sampling;
    if (sampling !== undefined) generateOptions.sampling = sampling;
    if (options.signal !== undefined) generateOptions.signal = options.signal;
    preparePrompt(this.model.generationContext(), generateOptions);
    return this.stream(content, promptTokens, generateOptions);
  }

  private async *stream(
    content: string,
    promptTokens: readonly number[],
    generateOptions: GenerateOptions,
  ): AsyncGenerator<GenerationEvent, void, undefined> {
    for await (const event of this.model.run(promptTokens, generateOptions)) {
      if (event.type === 'finish' && event.reason !== 'abort') {
        this.history.push({ role: 'user', content }, { role: 'assistant', content: event.text });
      }
      yield event;
    }
  }

  /** Empties the conversation (keeping nothing but the template's system prompt) and the model's cache. */
  reset(): void {
    this.history.length = 0;
    this.model.resetCache();
  }

  /**
   * Encodes the conversation, leaving out the oldest turns until it fits with room for `maxTokens`. When no
   * choice of turns leaves that much room, the prompt may take all but one position of the window and the
   * reply ends with finish reason `context` when the window is full.
   */
  private encodeFitting(conversation: ChatMessage[], maxTokens: number): number[] {
    const contextLength = this.model.contextLength;
    const replyReserve = Math.min(maxTokens, contextLength - 1);

    const withFullReply = this.encodeWithin(conversation, contextLength - replyReserve);
    if (withFullReply.tokens !== undefined) return withFullReply.tokens;
    const withShortReply = this.encodeWithin(conversation, contextLength - 1);
    if (withShortReply.tokens !== undefined) return withShortReply.tokens;

    const overflow = new ContextLengthError(
      withShortReply.minimumTokens + 1,
      contextLength,
      'The system prompt, the new message and one reply token',
    );
    (overflow as { cause?: unknown }).cause = withShortReply.error;
    throw overflow;
  }

  /** Encodes the newest turns of the conversation that fit in `budget` tokens, if any do. */
  private encodeWithin(
    conversation: ChatMessage[],
    budget: number,
  ): { tokens?: number[]; minimumTokens: number; error?: unknown } {
    const renderOptions = { ...this.options.renderOptions, addGenerationPrompt: true };
    const encode = (rendered: RenderedPrompt): number[] => this.model.tokenizer.encode(rendered.parts);

    const full = encode(this.template.render(conversation, renderOptions));
    if (full.length <= budget) return { tokens: full, minimumTokens: full.length };
    try {
      const fitted = fitConversation(conversation, (rendered) => encode(rendered).length, budget, {
        template: this.template,
        renderOptions,
      });
      return { tokens: encode(this.template.render(fitted, renderOptions)), minimumTokens: 0 };
    } catch (error) {
      const required = error instanceof ContextBudgetError ? error.required : full.length;
      return { minimumTokens: required, error };
    }
  }
}
