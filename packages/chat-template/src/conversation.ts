import { InvalidConversationError } from './errors.js';
import type { ChatMessage, Role } from './types.js';

/** The roles a {@link ChatMessage} may have. */
export const roles: readonly Role[] = ['system', 'user', 'assistant'];

/**
 * Checks that `messages` is a non-empty list of well-formed messages with at least one user or
 * assistant message. Callers in plain JavaScript can pass anything, so every field is checked.
 *
 * @throws {@link InvalidConversationError} naming the first bad message.
 */
export function validateConversation(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages)) {
    throw new InvalidConversationError(
      `The conversation must be an array of messages, but got ${typeof messages}.`,
      undefined,
    );
  }

  messages.forEach((message: unknown, index) => {
    if (typeof message !== 'object' || message === null) {
      throw new InvalidConversationError(
        `Message ${index} must be an object with role and content, but got ${message === null ? 'null' : typeof message}.`,
        index,
      );
    }
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !(roles as readonly string[]).includes(role)) {
      throw new InvalidConversationError(
        `Message ${index} has unknown role ${JSON.stringify(role)}. Use one of: ${roles.join(', ')}.`,
        index,
      );
    }
    if (typeof content !== 'string') {
      throw new InvalidConversationError(
        `Message ${index} (${role}) has content of type ${content === null ? 'null' : typeof content}; content must be a string.`,
        index,
      );
    }
  });

  if (!messages.some((message) => message.role !== 'system')) {
    throw new InvalidConversationError(
      messages.length === 0
        ? 'The conversation is empty. Add at least one user message.'
        : 'The conversation has only system messages. Add at least one user message.',
      undefined,
    );
  }
}

/** Where a template's system prompt came from, which decides whether it counts as markup. */
export interface ResolvedSystemPrompt {
  /** The system prompt text. */
  text: string;
  /** Whether the text is the template's own default, which is trusted markup. */
  isTemplateDefault: boolean;
}

/** A conversation split into its system prompt and the user and assistant messages after it. */
export interface SplitConversation {
  /** The system prompt to render, if any. */
  system: ResolvedSystemPrompt | undefined;
  /** User and assistant messages, in order. */
  turns: ChatMessage[];
}

/**
 * Validates `messages` and separates the system prompt for the built-in templates, which accept a
 * system message only as the first message. A system message wins over `systemPrompt`, which wins over
 * the template's default.
 *
 * @throws {@link InvalidConversationError} on invalid messages or a system message after the first.
 */
export function splitConversation(
  messages: readonly ChatMessage[],
  systemPrompt: string | undefined,
  defaultSystemPrompt: string | undefined,
): SplitConversation {
  validateConversation(messages);

  const laterSystemIndex = messages.findIndex((message, index) => index > 0 && message.role === 'system');
  if (laterSystemIndex !== -1) {
    throw new InvalidConversationError(
      `Message ${laterSystemIndex} is a system message, but this template accepts a system message only ` +
        'as the first message. Merge it into the first message or drop it.',
      laterSystemIndex,
    );
  }

  const first = messages[0]!;
  const turns = messages.filter((message) => message.role !== 'system');
  if (first.role === 'system') {
    return { system: { text: first.content, isTemplateDefault: false }, turns };
  }
  if (systemPrompt !== undefined) {
    return { system: { text: systemPrompt, isTemplateDefault: false }, turns };
  }
  if (defaultSystemPrompt !== undefined) {
    return { system: { text: defaultSystemPrompt, isTemplateDefault: true }, turns };
  }
  return { system: undefined, turns };
}
