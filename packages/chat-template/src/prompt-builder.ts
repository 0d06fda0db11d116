import type { PromptPart, RenderedPrompt } from './types.js';

/**
 * Collects prompt text as markup (special tokens allowed) and content (special tokens allowed only when
 * the caller opted in), merging adjacent spans that have the same rule and skipping empty ones.
 */
export class PromptBuilder {
  private readonly parts: PromptPart[] = [];

  constructor(private readonly allowSpecialInContent: boolean) {}

  /** Appends template markup, in which special-token strings become special tokens. */
  markup(text: string): this {
    return this.append(text, true);
  }

  /** Appends message content, which is plain text unless the caller allowed special tokens in content. */
  content(text: string): this {
    return this.append(text, this.allowSpecialInContent);
  }

  /** Appends text with an explicit rule. */
  append(text: string, allowSpecial: boolean): this {
    if (text === '') {
      return this;
    }
    const last = this.parts.at(-1);
    if (last && last.allowSpecial === allowSpecial) {
      last.text += text;
    } else {
      this.parts.push({ text, allowSpecial });
    }
    return this;
  }

  /** Returns the prompt built so far. */
  build(): RenderedPrompt {
    const parts = this.parts.map((part) => ({ ...part }));
    return { text: parts.map((part) => part.text).join(''), parts };
  }
}
