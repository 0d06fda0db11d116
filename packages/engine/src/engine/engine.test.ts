import { builtinTemplate } from '@minichat/chat-template';
import type { Model } from '@minichat/runtime';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ContextLengthExceededError,
  InvalidParameterError,
  InvalidRequestError,
  ModelNotFoundError,
  QueueFullError,
  RequestAbortedError,
} from '../errors.js';
import type { LogEntry, RequestStats } from '../log.js';
import type { ChatCompletionChunk, Completion } from '../openai-types.js';
import { type GreedyExpectation, readGreedyExpectation } from '../test-utils/expected.js';
import { loadStories260k } from '../test-utils/stories260k.js';
import { createEngine, type MinichatEngine } from './engine.js';

let model: Model;
let cleanup: () => Promise<void>;
let expected: GreedyExpectation;
let engine: MinichatEngine;

beforeAll(async () => {
  ({ model, cleanup } = await loadStories260k());
  expected = await readGreedyExpectation();
  engine = createEngine({ model, modelId: 'stories260k', chatTemplate: builtinTemplate('chatml') });
});

afterAll(async () => {
  await cleanup();
});

/** Reads a stream to the end. */
async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe('completions', () => {
  test('greedy output matches llama2.c', async () => {
    const response = await engine.completions.create({ prompt: '', max_tokens: 200, temperature: 0 });

    expect(response.object).toBe('text_completion');
    expect(response.model).toBe('stories260k');
    expect(response.id).toMatch(/^cmpl-[0-9a-f]{24}$/);
    expect(response.choices[0]!.text).toBe(expected.text);
    expect(response.choices[0]!.finish_reason).toBe('length');
    expect(response.usage).toEqual({ prompt_tokens: 1, completion_tokens: 200, total_tokens: 201 });
  });

  test('stream joins to the greedy output', async () => {
    const stream = await engine.completions.create({
      prompt: '',
      max_tokens: 200,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Completion[] = await drain(stream);

    const text = chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('');
    expect(text).toBe(expected.text);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 1, completion_tokens: 200, total_tokens: 201 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  test('token-id prompt continues greedy output', async () => {
    // BOS and the first 10 expected tokens, then the model must go on exactly as llama2.c did.
    const prompt = [1, ...expected.tokens.slice(0, 10)];
    const response = await engine.completions.create({ prompt, max_tokens: 20, temperature: 0, logprobs: 0 });
    const pieces = expected.tokens
      .slice(10, 30)
      .map((id) => model.tokenizer.idToPiece(id).replaceAll('\u2581', ' '));

    expect(response.choices.at(0)?.logprobs?.tokens).toEqual(pieces);
    expect(response.usage?.prompt_tokens).toBe(11);
  });

  test('token-id prompt outside the vocabulary', async () => {
    await expect(engine.completions.create({ prompt: [1, 600] })).rejects.toThrow(/token ids in \[0, 511\]/);
  });

  test('default max_tokens is 16', async () => {
    const response = await engine.completions.create({ prompt: '', temperature: 0 });

    expect(response.usage?.completion_tokens).toBe(16);
  });

  test('stop string spanning tokens', async () => {
    // "girl" is the pieces " g", "ir", "l" in tok512, so the matcher must hold back across tokens.
    const stop = 'girl';
    const before = expected.text.slice(0, expected.text.indexOf(stop));
    const response = await engine.completions.create({ prompt: '', max_tokens: 100, temperature: 0, stop });

    expect(response.choices[0]!.text).toBe(before);
    expect(response.choices[0]!.finish_reason).toBe('stop');

    const stream = await engine.completions.create({
      prompt: '',
      max_tokens: 100,
      temperature: 0,
      stop: [stop],
      stream: true,
    });
    const pieces = (await drain(stream)).map((chunk) => chunk.choices[0]?.text ?? '');
    expect(pieces.join('')).toBe(before);
    expect(pieces.some((piece) => piece.includes('g') && !before.includes(piece))).toBe(false);
  });

  test('logprobs of greedy tokens', async () => {
    const response = await engine.completions.create({
      prompt: '',
      max_tokens: 20,
      temperature: 0,
      logprobs: 3,
    });
    const logprobs = response.choices.at(0)?.logprobs;
    if (logprobs == null) throw new Error('The response has no logprobs.');

    expect(logprobs.tokens).toHaveLength(20);
    expect(logprobs.tokens.join('').trimStart()).toBe(response.choices[0]!.text);
    for (let i = 0; i < 20; i++) {
      const top = Object.entries(logprobs.top_logprobs[i]!);
      expect(top.length).toBeGreaterThanOrEqual(1);
      // Greedy decoding picks the most likely token, so it heads the alternatives.
      expect(top[0]![0]).toBe(logprobs.tokens[i]);
      expect(top[0]![1]).toBeCloseTo(logprobs.token_logprobs[i]!, 10);
      expect(logprobs.token_logprobs[i]!).toBeLessThanOrEqual(0);
      // The first token loses its dummy-prefix space in the text; later tokens keep their spaces.
      const token = i === 0 ? logprobs.tokens[i]!.trimStart() : logprobs.tokens[i]!;
      expect(response.choices[0]!.text.slice(logprobs.text_offset[i]!).startsWith(token)).toBe(true);
    }
  });
});

describe('sampling', () => {
  test('same seed gives same text', async () => {
    const request = { prompt: 'Once upon a time', max_tokens: 40, temperature: 1, seed: 42 };
    const first = await engine.completions.create(request);
    const second = await engine.completions.create(request);
    const other = await engine.completions.create({ ...request, seed: 43 });

    expect(second.choices[0]!.text).toBe(first.choices[0]!.text);
    expect(other.choices[0]!.text).not.toBe(first.choices[0]!.text);
  });

  test('top_k 1 extension equals greedy', async () => {
    const request = {
      prompt: '',
      max_tokens: 60,
      temperature: 1,
      seed: 7,
      minichat: { top_k: 1 },
    };
    const response = await engine.completions.create(request);

    expect(response.choices[0]!.text).toBe(expected.text.slice(0, response.choices[0]!.text.length));
    expect(response.usage?.completion_tokens).toBe(60);
  });

  test('logit_bias bans the greedy token', async () => {
    const first = expected.tokens[0]!;
    const response = await engine.completions.create({
      prompt: '',
      max_tokens: 1,
      temperature: 0,
      logprobs: 0,
      logit_bias: { [String(first)]: -100 },
    });

    expect(response.choices.at(0)?.logprobs?.tokens[0]).not.toBe(
      model.tokenizer.idToPiece(first).replaceAll('\u2581', ' '),
    );
    expect(response.choices[0]!.text).not.toBe(expected.text.slice(0, response.choices[0]!.text.length));
  });
});

describe('chat completions', () => {
  test('response and chunks agree', async () => {
    const request = {
      messages: [{ role: 'user' as const, content: 'Tell me a story.' }],
      max_tokens: 30,
      temperature: 0,
    };
    const response = await engine.chat.completions.create(request);
    const stream = await engine.chat.completions.create({
      ...request,
      stream: true,
      logprobs: true,
      top_logprobs: 2,
    });
    const chunks: ChatCompletionChunk[] = await drain(stream);

    expect(response.object).toBe('chat.completion');
    expect(response.choices[0]!.message.role).toBe('assistant');
    expect(chunks.at(0)?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe(response.choices[0]!.message.content);
    const logprobs = chunks.flatMap((chunk) => chunk.choices[0]?.logprobs?.content ?? []);
    expect(logprobs).toHaveLength(response.usage.completion_tokens);
    expect(logprobs.every((entry) => entry.top_logprobs.length === 2)).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  test('chat without template fails', async () => {
    const plain = createEngine({ model });

    await expect(
      plain.chat.completions.create({ messages: [{ role: 'user', content: 'Hi' }] }),
    ).rejects.toThrow(/has no chat template/);
  });
});

describe('errors', () => {
  test('unknown model', async () => {
    const failure = engine.completions.create({ model: 'gpt-4o', prompt: 'Hi' });

    await expect(failure).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(failure).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    await expect(failure).rejects.toThrow(/'gpt-4o' does not exist\. Available models: stories260k/);
  });

  test('max_tokens beyond the context', async () => {
    const failure = engine.completions.create({ prompt: 'Once', max_tokens: 512 });

    await expect(failure).rejects.toBeInstanceOf(ContextLengthExceededError);
    await expect(failure).rejects.toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
      param: 'max_tokens',
    });
  });

  test('prompt longer than the context', async () => {
    const failure = engine.completions.create({ prompt: 'a b '.repeat(400) });

    await expect(failure).rejects.toBeInstanceOf(ContextLengthExceededError);
    await expect(failure).rejects.toThrow(/context window is 512 tokens/);
  });

  test('logit_bias id outside the vocabulary', async () => {
    const failure = engine.completions.create({ prompt: 'Once', logit_bias: { '512': 1 } });

    await expect(failure).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(failure).rejects.toThrow(/token ids in \[0, 511\]/);
  });

  test('conversation the template rejects', async () => {
    const failure = engine.chat.completions.create({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'Late system message' },
      ],
    });

    await expect(failure).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(failure).rejects.toMatchObject({ code: 'invalid_conversation' });
  });
});

describe('queue and abort', () => {
  test('abort mid-stream frees the model', async () => {
    const stats: RequestStats[] = [];
    const controller = new AbortController();
    const stream = await engine.completions.create(
      { prompt: '', max_tokens: 400, temperature: 0, stream: true },
      { signal: controller.signal, onStats: (entry) => stats.push(entry) },
    );
    let received = 0;
    const reading = (async () => {
      for await (const _chunk of stream) {
        received += 1;
        if (received === 5) controller.abort();
      }
    })();

    await expect(reading).rejects.toBeInstanceOf(RequestAbortedError);
    expect(engine.load).toEqual({ running: 0, waiting: 0 });
    expect(stats).toHaveLength(1);
    expect(stats[0]!.status).toBe(499);
    expect(stats[0]!.tokensAfterAbort).toBeLessThanOrEqual(1);
    expect(stats[0]!.completionTokens).toBeLessThan(20);
  });

  test('break before reading frees the model', async () => {
    const stream = await engine.completions.create({ prompt: '', max_tokens: 50, stream: true });
    expect(engine.load.running).toBe(1);

    await stream.return?.();

    expect(engine.load.running).toBe(0);
    const next = await engine.completions.create({ prompt: '', max_tokens: 3, temperature: 0 });
    expect(next.usage?.completion_tokens).toBe(3);
  });

  test('full queue rejects with 429', async () => {
    const small = createEngine({ model, maxQueuedRequests: 1 });
    const running = await small.completions.create({ prompt: '', max_tokens: 50, stream: true });
    const waiting = small.completions.create({ prompt: '', max_tokens: 5, temperature: 0 });
    const rejected = small.completions.create({ prompt: '', max_tokens: 5 });

    await expect(rejected).rejects.toBeInstanceOf(QueueFullError);
    await expect(rejected).rejects.toMatchObject({ status: 429, code: 'queue_full' });
    expect(small.load).toEqual({ running: 1, waiting: 1 });
    await drain(running);
    expect((await waiting).choices[0]!.text).toBe(
      expected.text.slice(0, (await waiting).choices[0]!.text.length),
    );
    expect(small.load).toEqual({ running: 0, waiting: 0 });
  });

  test('close rejects waiting requests with 503', async () => {
    const closing = createEngine({ model });
    const running = await closing.completions.create({ prompt: '', max_tokens: 20, stream: true });
    const waiting = closing.completions.create({ prompt: '', max_tokens: 5 });

    closing.close();

    await expect(waiting).rejects.toMatchObject({ status: 503, code: 'engine_closed' });
    await drain(running);
    await expect(closing.completions.create({ prompt: '' })).rejects.toMatchObject({ status: 503 });
  });
});

describe('logs', () => {
  test('prompt text only when asked', async () => {
    const secret = 'The secret word is pineapple';
    const quiet: LogEntry[] = [];
    const verbose: LogEntry[] = [];
    await createEngine({ model, logger: (entry) => quiet.push(entry) }).completions.create({
      prompt: secret,
      max_tokens: 2,
    });
    await createEngine({
      model,
      logger: (entry) => verbose.push(entry),
      logPrompts: true,
    }).completions.create({
      prompt: secret,
      max_tokens: 2,
    });

    expect(quiet).toHaveLength(1);
    expect(quiet[0]).toMatchObject({ level: 'info', event: 'completion', status: 200, completion_tokens: 2 });
    expect(quiet[0]!.prompt_tokens).toBeGreaterThan(1);
    expect(JSON.stringify(quiet)).not.toContain('pineapple');
    expect(JSON.stringify(verbose)).toContain('pineapple');
  });

  test('failed request is logged as a warning', async () => {
    const entries: LogEntry[] = [];
    const logged = createEngine({ model, logger: (entry) => entries.push(entry) });

    await expect(logged.completions.create({ prompt: 'Hi', temperature: 3 })).rejects.toThrow(/temperature/);

    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 'warn', status: 400, error_code: 'invalid_value' });
  });
});
