import { builtinTemplate } from '@minichat/chat-template';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCpuBackend } from '../backend/cpu/cpu-backend.js';
import { convertStories260k } from '../conformance/stories260k.js';
import { ContextLengthError } from '../errors.js';
import type { FinishEvent, GenerationEvent } from '../generation/events.js';
import type { Model } from '../model/model.js';
import { loadModelFromDirectory } from '../node.js';

const fixtures = process.env.MINICHAT_FIXTURES!;

async function finishOf(events: AsyncGenerator<GenerationEvent>): Promise<FinishEvent> {
  let finish: FinishEvent | undefined;
  for await (const event of events) if (event.type === 'finish') finish = event;
  return finish!;
}

// stories260K is a base model, so replies are stories; these tests check the session mechanics.
describe('chat sessions', () => {
  let directory: string;
  let cleanup: () => Promise<void>;
  let model: Model;
  const template = builtinTemplate('minichat');
  const renderOptions = { systemPrompt: 'Tell a story.' };

  beforeAll(async () => {
    ({ directory, cleanup } = await convertStories260k(fixtures, 'f32'));
    model = await loadModelFromDirectory(directory, { backend: createCpuBackend() });
  });
  afterAll(async () => {
    model.dispose();
    await cleanup();
  });

  test('second turn reuses the first', async () => {
    const chat = model.createChatSession({
      template,
      renderOptions,
      sampling: { temperature: 0 },
      maxTokens: 12,
    });
    const first = await finishOf(chat.send('Once upon a time'));
    expect(first.usage.cachedPromptTokens).toBeLessThan(first.usage.promptTokens);
    const second = await finishOf(chat.send('The end'));
    // Everything up to the first reply is reused; only the reply (when it re-tokenizes differently)
    // and the new message are computed.
    expect(second.usage.cachedPromptTokens).toBeGreaterThanOrEqual(first.usage.promptTokens);
    expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(chat.messages[1]!.content).toBe(first.text);
    expect(first.text.startsWith(' ')).toBe(false);
  });

  test('full window drops the oldest turns', async () => {
    const small = await loadModelFromDirectory(directory, { backend: createCpuBackend(), contextLength: 96 });
    try {
      const chat = small.createChatSession({
        template,
        renderOptions,
        sampling: { temperature: 0 },
        maxTokens: 8,
      });
      const turns = [
        'First turn about a red ball.',
        'Second turn about a big tree.',
        'Third turn about a cat.',
        'Fourth turn.',
      ];
      for (const turn of turns) {
        const finish = await finishOf(chat.send(turn));
        expect(finish.usage.promptTokens + 8).toBeLessThanOrEqual(96);
      }
      expect(chat.messages).toHaveLength(8);
      const prompt = small.tokenizer.decode([...small.cachedTokens], { skipSpecialTokens: true });
      expect(prompt).toContain('Tell a story.');
      expect(prompt).toContain('Fourth turn.');
      expect(prompt).not.toContain('First turn');
    } finally {
      small.dispose();
    }
  });

  test('maxTokens beyond the window still replies', async () => {
    // 511 reply tokens cannot fit beside any prompt in a 512-token window, so the prompt takes what it
    // needs and the reply stops when the window is full.
    const chat = model.createChatSession({
      template,
      renderOptions,
      sampling: { temperature: 0 },
      maxTokens: 511,
    });
    const finish = await finishOf(chat.send('Tell me a story.'));
    expect(finish.tokens.length).toBeGreaterThan(0);
    // The last sampled token is never fed back, so it needs no position in the window.
    expect(finish.usage.promptTokens + finish.usage.completionTokens - 1).toBeLessThanOrEqual(512);
    expect(chat.messages).toHaveLength(2);
  });

  test('message too long for the window', () => {
    const chat = model.createChatSession({ template, renderOptions, maxTokens: 8 });
    const long = 'a b c d e f g h '.repeat(80);
    expect(() => chat.send(long)).toThrow(ContextLengthError);
    expect(() => chat.send(long)).toThrow(/context window holds 512/);
  });

  test('abort leaves the conversation unchanged', async () => {
    const chat = model.createChatSession({
      template,
      renderOptions,
      sampling: { temperature: 0 },
      maxTokens: 12,
    });
    await finishOf(chat.send('Hello'));
    const controller = new AbortController();
    controller.abort();
    const aborted = await finishOf(chat.send('Again', { signal: controller.signal }));
    expect(aborted.reason).toBe('abort');
    expect(chat.messages).toHaveLength(2);
  });

  test('reset empties history and cache', async () => {
    const chat = model.createChatSession({
      template,
      renderOptions,
      sampling: { temperature: 0 },
      maxTokens: 4,
    });
    await finishOf(chat.send('Hello'));
    chat.reset();
    expect(chat.messages).toEqual([]);
    expect(model.cachedTokens).toEqual([]);
  });

  test('chinese text round-trips through byte pieces', async () => {
    const chat = model.createChatSession({
      template,
      renderOptions: { systemPrompt: '讲一个故事。' },
      sampling: { temperature: 0 },
      maxTokens: 4,
    });
    const finish = await finishOf(chat.send('你好，世界'));
    expect(finish.usage.promptTokens).toBeGreaterThan(10);
    const prompt = model.tokenizer.decode([...model.cachedTokens], { skipSpecialTokens: true });
    expect(prompt).toContain('讲一个故事。');
    expect(prompt).toContain('你好，世界');
  });
});
