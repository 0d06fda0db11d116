import type { ChatTemplate } from '@minichat/chat-template';
import type { ChatSession, FinishEvent, Model, SamplingOptions } from '@minichat/runtime';
import type { ReplSession, ReplyStats } from './repl.js';

/** Options of {@link RuntimeReplSession}. */
export interface RuntimeReplSessionOptions {
  /** The loaded model. */
  model: Model;
  /** Chat template of every turn. */
  template: ChatTemplate;
  /** System prompt from `--system`; `undefined` uses the template's own. */
  systemPrompt: string | undefined;
  /** Sampling of every reply. */
  sampling: SamplingOptions;
  /** Maximum tokens per reply. */
  maxTokens: number;
  /** Lines `/settings` prints before the context use. */
  settings: readonly string[];
}

/**
 * Adapts the runtime's {@link ChatSession} to the REPL: multi-turn chat that reuses the KV cache for
 * the conversation so far, reset, and a system prompt that can change (which starts a new conversation).
 */
export class RuntimeReplSession implements ReplSession {
  private session: ChatSession;
  private system: string | undefined;

  constructor(private readonly options: RuntimeReplSessionOptions) {
    this.system = options.systemPrompt;
    this.session = this.createSession();
  }

  get systemPrompt(): string | undefined {
    return this.system ?? this.options.template.defaultSystemPrompt;
  }

  private createSession(): ChatSession {
    const { model, template, sampling, maxTokens } = this.options;
    return model.createChatSession({
      template,
      sampling,
      maxTokens,
      ...(this.system === undefined ? {} : { renderOptions: { systemPrompt: this.system } }),
    });
  }

  async send(
    message: string,
    options: { signal: AbortSignal; onText: (text: string) => void },
  ): Promise<ReplyStats> {
    let finish: FinishEvent | undefined;
    for await (const event of this.session.send(message, { signal: options.signal })) {
      if (event.type === 'text') options.onText(event.text);
      if (event.type === 'finish') finish = event;
    }
    if (finish === undefined) throw new Error('The reply ended without a finish event.');
    return {
      completionTokens: finish.usage.completionTokens,
      tokensPerSecond: finish.usage.tokensPerSecond ?? 0,
      finishReason: finish.reason,
      promptTokens: finish.usage.promptTokens,
      cachedPromptTokens: finish.usage.cachedPromptTokens,
      contextTokens: this.options.model.cachedTokens.length,
      contextLength: this.options.model.contextLength,
    };
  }

  reset(): void {
    this.session.reset();
  }

  setSystemPrompt(text: string): void {
    this.system = text;
    this.session.reset();
    this.session = this.createSession();
  }

  describeSettings(): string[] {
    const { model, sampling, maxTokens } = this.options;
    return [
      ...this.options.settings,
      `Sampling: ${JSON.stringify(sampling)}, max tokens per reply ${maxTokens}`,
      `System prompt: ${this.systemPrompt ?? '(none)'}`,
      `Conversation: ${this.session.messages.length} messages, ${model.cachedTokens.length}/${model.contextLength} context tokens in the KV cache`,
    ];
  }
}
