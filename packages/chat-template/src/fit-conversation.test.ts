import { describe, expect, it } from 'vitest';
import { builtinTemplate } from './builtin-template.js';
import { ContextBudgetError, InvalidConversationError, InvalidOptionError } from './errors.js';
import { fitConversation } from './fit-conversation.js';
import type { ChatMessage, RenderedPrompt } from './types.js';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'S' },
  { role: 'user', content: 'a' },
  { role: 'assistant', content: 'b' },
  { role: 'user', content: 'c' },
  { role: 'assistant', content: 'd' },
  { role: 'user', content: 'e' },
];

// One "token" per character keeps the sizes hand-computable. With the minichat template:
// "S</s>" 5, "[|User|] a</s>" 14, "[|Assistant|] b</s>" 19, likewise for c, d and e, and "[|Assistant|]" 13.
// Whole conversation: 98; without the first turn: 65; newest turn only: 32.
const countCharacters = (rendered: RenderedPrompt) => rendered.text.length;

describe('fitConversation', () => {
  it('keeps a conversation that fits', () => {
    expect(fitConversation(conversation, countCharacters, 98)).toEqual(conversation);
  });

  it('drops the oldest turn first', () => {
    expect(fitConversation(conversation, countCharacters, 97)).toEqual([
      conversation[0],
      ...conversation.slice(3),
    ]);
    expect(fitConversation(conversation, countCharacters, 65)).toEqual([
      conversation[0],
      ...conversation.slice(3),
    ]);
  });

  it('keeps the system prompt and newest turn', () => {
    expect(fitConversation(conversation, countCharacters, 64)).toEqual([conversation[0], conversation[5]]);
    expect(fitConversation(conversation, countCharacters, 32)).toEqual([conversation[0], conversation[5]]);
  });

  it('throws when the newest turn does not fit', () => {
    const fit = () => fitConversation(conversation, countCharacters, 31);
    expect(fit).toThrow(ContextBudgetError);
    expect(fit).toThrow(/needs 32 tokens .* budget is 31/);
  });

  it('renders O(log n) candidates', () => {
    const long: ChatMessage[] = Array.from({ length: 200 }, (_, index) => ({
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: `m${index}`,
    }));
    let calls = 0;
    const counting = (rendered: RenderedPrompt) => {
      calls++;
      return rendered.text.length;
    };
    const kept = fitConversation(long, counting, 1000);
    expect(calls).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(100)));
    expect(kept.at(-1)).toEqual(long.at(-1));
    expect(kept[0]!.role).toBe('user');
    const rendered = builtinTemplate('minichat').render(kept);
    expect(rendered.text.length).toBeLessThanOrEqual(1000);
    const oneMoreTurn = long.slice(long.length - kept.length - 2);
    expect(builtinTemplate('minichat').render(oneMoreTurn).text.length).toBeGreaterThan(1000);
  });

  it('uses the given template and render options', () => {
    const options = { template: builtinTemplate('llama-2'), renderOptions: { allowSpecialInContent: true } };
    // "[INST] <<SYS>>\nS\n<</SYS>>\n\nc [/INST] d </s><s>[INST] e [/INST]" is 7+8+1+11+1+8+2+5+3+7+1+8 = 62
    // characters; the newest turn alone drops " d </s><s>[INST] " and "c [/INST]", leaving 36.
    expect(fitConversation(conversation, countCharacters, 62, options)).toEqual([
      conversation[0],
      ...conversation.slice(3),
    ]);
    expect(fitConversation(conversation, countCharacters, 61, options)).toEqual([
      conversation[0],
      conversation[5],
    ]);
    expect(() => fitConversation(conversation, countCharacters, 35, options)).toThrow(/needs 36 tokens/);
  });

  it('rejects invalid arguments', () => {
    expect(() => fitConversation(conversation, countCharacters, -1)).toThrow(InvalidOptionError);
    expect(() => fitConversation(conversation, countCharacters, 1.5)).toThrow(/Invalid budget: 1.5/);
    expect(() => fitConversation(conversation, () => Number.NaN, 10)).toThrow(
      /Invalid countTokens result: NaN/,
    );
    expect(() => fitConversation([], countCharacters, 10)).toThrow(InvalidConversationError);
  });
});
