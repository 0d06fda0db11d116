import { builtinTemplate } from './builtin-template.js';
import { validateConversation } from './conversation.js';
import { ContextBudgetError, InvalidOptionError } from './errors.js';
import type { ChatMessage, ChatTemplate, RenderedPrompt, RenderOptions } from './types.js';

/** Options of {@link fitConversation}. */
export interface FitConversationOptions {
  /** Template that renders each candidate conversation. Default: `builtinTemplate('minichat')`. */
  template?: ChatTemplate;
  /** Options for every render, such as the system prompt. Default: the template's defaults. */
  renderOptions?: RenderOptions;
}

/**
 * Groups the messages after the leading system messages into turns. A turn starts at a user message
 * and contains the replies after it, so dropping whole turns keeps user and assistant messages alternating.
 */
function groupTurns(messages: readonly ChatMessage[]): ChatMessage[][] {
  const turns: ChatMessage[][] = [];
  for (const message of messages) {
    const current = turns.at(-1);
    if (!current || message.role === 'user') {
      turns.push([message]);
    } else {
      current.push(message);
    }
  }
  return turns;
}

/**
 * Drops the oldest turns of a conversation until its rendered prompt fits `budget` tokens, keeping the
 * leading system messages and always the newest turn. The runtime uses it to shift its context window.
 * It renders O(log turns) candidates because it binary-searches on the number of dropped turns. The
 * search assumes that dropping a turn never makes the prompt longer, which is true of every built-in.
 *
 * @param countTokens Returns the number of tokens of a rendered prompt, including the BOS the tokenizer
 * adds and any tokens the caller reserves.
 * @param budget The maximum token count, a non-negative integer.
 * @returns The kept messages: the whole conversation when it fits.
 * @throws {@link ContextBudgetError} when even the system messages and the newest turn exceed `budget`.
 * @throws {@link InvalidConversationError} on an invalid conversation.
 * @throws {@link InvalidOptionError} on a negative or fractional budget, or a count that is not a
 * non-negative integer.
 */
export function fitConversation(
  messages: readonly ChatMessage[],
  countTokens: (rendered: RenderedPrompt) => number,
  budget: number,
  options: FitConversationOptions = {},
): ChatMessage[] {
  if (!Number.isSafeInteger(budget) || budget < 0) {
    throw new InvalidOptionError('budget', budget, 'a non-negative integer number of tokens');
  }
  validateConversation(messages);
  const template = options.template ?? builtinTemplate('minichat');

  const systemCount = messages.findIndex((message) => message.role !== 'system');
  const system = messages.slice(0, systemCount);
  const turns = groupTurns(messages.slice(systemCount));

  const keepFrom = (firstTurn: number): ChatMessage[] => [...system, ...turns.slice(firstTurn).flat()];
  const count = (firstTurn: number): number => {
    const tokens = countTokens(template.render(keepFrom(firstTurn), options.renderOptions));
    if (!Number.isSafeInteger(tokens) || tokens < 0) {
      throw new InvalidOptionError('countTokens result', tokens, 'a non-negative integer');
    }
    return tokens;
  };

  if (count(0) <= budget) {
    return [...messages];
  }
  const newestOnly = turns.length - 1;
  const smallest = count(newestOnly);
  if (smallest > budget) {
    throw new ContextBudgetError(budget, smallest);
  }

  // Invariant: keeping from turn `tooLong` exceeds the budget and keeping from turn `fits` does not.
  let tooLong = 0;
  let fits = newestOnly;
  while (fits - tooLong > 1) {
    const middle = Math.floor((tooLong + fits) / 2);
    if (count(middle) <= budget) {
      fits = middle;
    } else {
      tooLong = middle;
    }
  }
  return keepFrom(fits);
}
