/** Speaker of a chat message. */
export type Role = 'system' | 'user' | 'assistant';

/** One message of a conversation. */
export interface ChatMessage {
  /** Author of the message. */
  role: Role;
  /** Message text, any Unicode (Chinese included). */
  content: string;
}

/**
 * A span of prompt text with the rule the tokenizer applies to it. This is the shape that
 * `@minichat/tokenizer`'s `encode()` accepts.
 *
 * Part boundaries are not token boundaries: a tokenizer treats the parts as one continuous text and
 * splits it only at special tokens that it finds inside parts with `allowSpecial: true`.
 */
export interface PromptPart {
  /** The text of this span. */
  text: string;
  /**
   * Whether special-token strings such as `</s>` in `text` become special tokens. Template markup
   * has `true`; message content has `false` unless the caller opts out with
   * {@link RenderOptions.allowSpecialInContent}.
   */
  allowSpecial: boolean;
}

/** A rendered prompt, as one string and as the parts the tokenizer needs. */
export interface RenderedPrompt {
  /**
   * The whole prompt. It leaves out the leading BOS whenever the tokenizer adds BOS itself, as LLaMA
   * tokenizers do (`add_bos_token: true`), so encode it with BOS added. The built-in templates never
   * emit a leading BOS; see {@link JinjaTemplateOptions.tokenizerAddsBos} for Jinja templates.
   */
  text: string;
  /** Spans of `text` in order; their texts concatenate to `text`. Adjacent parts differ in `allowSpecial`. */
  parts: PromptPart[];
}

/** When generation ends for a template. */
export interface StopConditions {
  /** Token ids that end generation when sampled, such as LLaMA's EOS id 2. */
  eosTokenIds: number[];
  /** Strings that end generation when they appear in the decoded output. Empty when only EOS ids stop. */
  stopStrings: string[];
}

/** Options of {@link ChatTemplate.render}. */
export interface RenderOptions {
  /** Whether to end with the open assistant turn that the model completes. Default `true`. */
  addGenerationPrompt?: boolean;
  /**
   * System prompt to use when the conversation has no system message. A system message in the
   * conversation takes precedence. Default: the template's {@link ChatTemplate.defaultSystemPrompt},
   * or no system prompt when it has none.
   */
  systemPrompt?: string;
  /**
   * Whether special-token strings inside message content (and a caller's system prompt) may become
   * special tokens. Default `false`, so a user who types `</s>` or `<s>` cannot end a turn or start a
   * new one. Set it only for trusted content.
   */
  allowSpecialInContent?: boolean;
  /** Text of the BOS token. Default: the template's own, `<s>` for the built-ins. */
  bosToken?: string;
  /** Text of the EOS token. Default: the template's own, `</s>` for the built-ins. */
  eosToken?: string;
}

/** A chat prompt format, which renders conversations and defines when generation stops. */
export interface ChatTemplate {
  /** Template name, such as `minichat` or the name given to {@link jinjaTemplate}. */
  name: string;
  /**
   * Renders a conversation into a prompt.
   *
   * @throws {@link InvalidConversationError} on an empty conversation, an unknown role, non-string
   * content or a message order that the template does not support.
   * @throws {@link ChatTemplateRenderError} when a Jinja template fails or calls `raise_exception`.
   */
  render(messages: readonly ChatMessage[], options?: RenderOptions): RenderedPrompt;
  /** When generation ends. */
  stop: StopConditions;
  /** System prompt used when neither the conversation nor the render options give one. */
  defaultSystemPrompt?: string;
}
