import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCpuBackend } from '../backend/cpu/cpu-backend.js';
import type { Backend } from '../backend/interface.js';
import {
  convertStories260k,
  readStories260kExpected,
  type Stories260kExpected,
} from '../conformance/stories260k.js';
import { ContextLengthError, InvalidOptionError, ModelStateError } from '../errors.js';
import type { Model } from '../model/model.js';
import { loadModelFromDirectory } from '../node.js';
import type { FinishEvent, GenerationEvent } from './events.js';
import type { GenerateOptions } from './generate.js';

const fixtures = process.env.MINICHAT_FIXTURES!;

async function collect(
  events: AsyncGenerator<GenerationEvent>,
): Promise<{ events: GenerationEvent[]; finish: FinishEvent }> {
  const all: GenerationEvent[] = [];
  for await (const event of events) all.push(event);
  const finish = all.at(-1);
  if (finish?.type !== 'finish') throw new Error('generation ended without a finish event');
  return { events: all, finish };
}

/** Wraps a backend so a callback runs before every `embed` call (the start of each forward pass). */
function onEachForward(backend: Backend, callback: () => void): Backend {
  return new Proxy(backend, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'embed') {
        return (...args: Parameters<Backend['embed']>) => {
          callback();
          return target.embed(...args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('generation', () => {
  let directory: string;
  let cleanup: () => Promise<void>;
  let expected: Stories260kExpected;
  let model: Model;
  const greedy = (options: Partial<GenerateOptions> = {}): GenerateOptions => ({
    promptTokens: [1],
    sampling: { temperature: 0 },
    ...options,
  });

  beforeAll(async () => {
    ({ directory, cleanup } = await convertStories260k(fixtures, 'f32'));
    expected = await readStories260kExpected(fixtures);
    model = await loadModelFromDirectory(directory, { backend: createCpuBackend(), kvCacheDtype: 'f32' });
  });
  afterAll(async () => {
    model.dispose();
    await cleanup();
  });

  test('text events add up to the output', async () => {
    const { events, finish } = await collect(model.generate(greedy({ maxTokens: 30 })));
    const text = events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
    const tokens = events.flatMap((event) => (event.type === 'token' ? [event.token] : []));
    expect(text).toBe(finish.text);
    expect(tokens).toEqual(expected.tokens.slice(0, 30));
    expect(finish.reason).toBe('length');
    expect(finish.usage.promptTokens).toBe(1);
    expect(finish.usage.completionTokens).toBe(30);
    expect(finish.usage.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(finish.usage.tokensPerSecond).toBeGreaterThan(0);
  });

  test('stop string ends before it, never partially', async () => {
    const { events, finish } = await collect(model.generate(greedy({ stop: ['little girl'] })));
    expect(finish.reason).toBe('stop');
    expect(finish.stopString).toBe('little girl');
    expect(finish.text).toBe('Once upon a time, there was a ');
    for (const event of events) if (event.type === 'text') expect(event.text).not.toMatch(/li|little/);
  });

  test('stop token ends generation', async () => {
    // Expected id 10 of the story is 338; stopping on it leaves the ten ids before.
    const stopToken = expected.tokens[10]!;
    const { finish } = await collect(model.generate(greedy({ stopTokens: [stopToken] })));
    expect(finish.reason).toBe('stop');
    expect(finish.stopToken).toBe(stopToken);
    expect(finish.tokens).toEqual(expected.tokens.slice(0, expected.tokens.indexOf(stopToken)));
  });

  test('abort during decode stops at once', async () => {
    const controller = new AbortController();
    let tokens = 0;
    let finish: FinishEvent | undefined;
    for await (const event of model.generate(greedy({ signal: controller.signal }))) {
      if (event.type === 'token' && ++tokens === 5) controller.abort();
      if (event.type === 'finish') finish = event;
    }
    expect(finish?.reason).toBe('abort');
    expect(finish?.tokens).toEqual(expected.tokens.slice(0, 5));
    // The model is usable again and still exact.
    const { finish: next } = await collect(model.generate(greedy({ maxTokens: 12 })));
    expect(next.tokens).toEqual(expected.tokens.slice(0, 12));
  });

  test('abort during prefill keeps a consistent cache', async () => {
    const controller = new AbortController();
    let forwards = 0;
    const backend = onEachForward(createCpuBackend(), () => {
      if (++forwards === 3) controller.abort();
    });
    const chunked = await loadModelFromDirectory(directory, {
      backend,
      kvCacheDtype: 'f32',
      prefillChunkSize: 4,
    });
    try {
      const prompt = [1, ...expected.tokens.slice(0, 40)];
      const { finish } = await collect(
        chunked.generate(greedy({ promptTokens: prompt, signal: controller.signal })),
      );
      expect(finish.reason).toBe('abort');
      expect(finish.tokens).toEqual([]);
      // Three chunks of four tokens ran; the third finished before the check that saw the abort.
      expect(chunked.cachedTokens).toEqual(prompt.slice(0, 12));

      const { finish: resumed } = await collect(
        chunked.generate(greedy({ promptTokens: prompt, maxTokens: 10 })),
      );
      expect(resumed.usage.cachedPromptTokens).toBe(12);
      expect(resumed.tokens).toEqual(expected.tokens.slice(40, 50));
    } finally {
      chunked.dispose();
    }
  });

  test('breaking out frees the model', async () => {
    for await (const event of model.generate(greedy())) if (event.type === 'token') break;
    const { finish } = await collect(model.generate(greedy({ maxTokens: 3 })));
    expect(finish.tokens).toEqual(expected.tokens.slice(0, 3));
  });

  test('second concurrent generation is rejected', async () => {
    const first = model.generate(greedy({ maxTokens: 3 }));
    await first.next();
    const second = model.generate(greedy({ maxTokens: 3 }));
    await expect(second.next()).rejects.toThrow(ModelStateError);
    await first.return(undefined);
  });

  test('context window ends generation', async () => {
    const small = await loadModelFromDirectory(directory, { backend: createCpuBackend(), contextLength: 16 });
    try {
      const { finish } = await collect(small.generate(greedy()));
      expect(finish.reason).toBe('context');
      expect(finish.tokens).toHaveLength(16);
      expect(() => small.generate(greedy({ promptTokens: new Array(16).fill(1) }))).toThrow(
        ContextLengthError,
      );
      expect(() => small.generate(greedy({ promptTokens: new Array(16).fill(1) }))).toThrow(
        /needs 17 tokens, but the context window holds 16/,
      );
    } finally {
      small.dispose();
    }
  });

  test('invalid options are rejected before work', () => {
    expect(() => model.generate({ promptTokens: [1], maxTokens: 0 })).toThrow(/maxTokens = 0/);
    expect(() => model.generate({ promptTokens: [1, 600] })).toThrow(/promptTokens = 600/);
    expect(() => model.generate({})).toThrow(InvalidOptionError);
    expect(() => model.generate({ prompt: 'a', promptTokens: [1] })).toThrow(
      /exactly one of prompt and promptTokens/,
    );
  });

  test('invalid sampling and stops are rejected', () => {
    expect(() => model.generate(greedy({ sampling: { temperature: -1 } }))).toThrow(
      /sampling\.temperature = -1/,
    );
    expect(() => model.generate(greedy({ sampling: { topP: 2 } }))).toThrow(/sampling\.topP = 2/);
    expect(() => model.generate(greedy({ stop: [''] }))).toThrow(/Invalid option stop = ""/);
  });

  test('same seed repeats a sampled story', async () => {
    const sampled = async () =>
      (
        await collect(
          model.generate(greedy({ maxTokens: 40, sampling: { temperature: 1, topP: 0.9, seed: 7 } })),
        )
      ).finish.tokens;
    const first = await sampled();
    expect(await sampled()).toEqual(first);
    expect(first).not.toEqual(expected.tokens.slice(0, 40));
  });
});
