import type { Model } from '@minichat/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LogEntry } from '../log.js';
import { startTestServer, TEST_MODEL_ID, type TestServer } from '../test-utils/server.js';
import { loadStories260k } from '../test-utils/stories260k.js';

/** Concurrent streaming clients of the load test. */
const CLIENTS = 16;
/** How long the clients keep sending requests, in milliseconds. */
const LOAD_DURATION_MS = 3_000;
/** Hard stop of the load loop, in case some client never gets a turn; the test then fails. */
const LOAD_DEADLINE_MS = 30_000;
/** Requests that may wait at once: fewer than the clients, so some requests must get 429. */
const MAX_QUEUED = 12;
/** Pause of a client after a 429 before it tries again, in milliseconds. */
const RETRY_DELAY_MS = 100;

const PROMPTS = [
  'Once upon a time',
  'Lily',
  'The cat',
  'Tom and Sue',
  'One day, a bird',
  'The sun was',
  'There was a dog',
  'Mom said',
  'A little boy',
  'The big tree',
  'Ben liked',
  'In the park',
  'The ball',
  'She was happy',
  'The fish',
  'He wanted',
];

let model: Model;
let cleanup: () => Promise<void>;
let api: TestServer;

beforeAll(async () => {
  ({ model, cleanup } = await loadStories260k());
  api = await startTestServer(model, { engine: { maxQueuedRequests: MAX_QUEUED } });
});

afterAll(async () => {
  await api?.server.close();
  await cleanup();
});

/** What one streamed request produced. */
interface StreamResult {
  /** Text of every output token, from the chunks' logprobs, in order. */
  tokens: string[];
  /** The joined content deltas. */
  content: string;
  /** Completion tokens from the usage chunk. */
  completionTokens: number | undefined;
  finishReason: string | null | undefined;
}

/** Builds the greedy request of client `index`, with its own prompt and reply length. */
function requestFor(index: number): OpenAI.ChatCompletionCreateParamsStreaming {
  return {
    model: TEST_MODEL_ID,
    messages: [{ role: 'user', content: PROMPTS[index]! }],
    max_tokens: 12 + (index % 5) * 4,
    temperature: 0,
    logprobs: true,
    stream: true,
    stream_options: { include_usage: true },
  };
}

/** Sends one streaming request and reads it to the end. */
async function runStream(
  client: OpenAI,
  request: OpenAI.ChatCompletionCreateParamsStreaming,
): Promise<StreamResult> {
  const stream = await client.chat.completions.create(request);
  const result: StreamResult = {
    tokens: [],
    content: '',
    completionTokens: undefined,
    finishReason: undefined,
  };
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (choice !== undefined) {
      result.content += choice.delta.content ?? '';
      result.tokens.push(...(choice.logprobs?.content ?? []).map((entry) => entry.token));
      result.finishReason = choice.finish_reason ?? result.finishReason;
    }
    result.completionTokens = chunk.usage?.completion_tokens ?? result.completionTokens;
  }
  return result;
}

/** Waits until a log record matches, polling for at most `timeoutMs`. */
async function waitForLog(
  logs: LogEntry[],
  match: (entry: LogEntry) => boolean,
  timeoutMs = 10_000,
): Promise<LogEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logs.find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('No matching log record appeared in time.');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('load', () => {
  test('16 streaming clients lose no tokens', { timeout: 120_000 }, async () => {
    // Each request alone, one after another: the reference for the concurrent runs.
    const references: StreamResult[] = [];
    for (let index = 0; index < CLIENTS; index++)
      references.push(await runStream(api.client, requestFor(index)));
    for (const reference of references) {
      expect(reference.tokens.length).toBe(reference.completionTokens);
      expect(reference.tokens.length).toBeGreaterThan(0);
    }
    api.logs.length = 0;

    const completed = new Array<number>(CLIENTS).fill(0);
    const rejections: { status: number | undefined; code: unknown; retryAfter: string | null | undefined }[] =
      [];
    const mismatches: string[] = [];
    const start = Date.now();
    const keepGoing = (index: number): boolean =>
      Date.now() - start < LOAD_DEADLINE_MS &&
      (Date.now() - start < LOAD_DURATION_MS || completed[index] === 0);

    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, index) => {
        while (keepGoing(index)) {
          try {
            const result = await runStream(api.client, requestFor(index));
            completed[index]! += 1;
            const reference = references[index]!;
            if (JSON.stringify(result) !== JSON.stringify(reference)) {
              mismatches.push(`client ${index}: ${JSON.stringify(result)} != ${JSON.stringify(reference)}`);
            }
          } catch (error) {
            if (!(error instanceof OpenAI.APIError)) throw error;
            rejections.push({
              status: error.status,
              code: error.code,
              retryAfter: error.headers?.get('retry-after'),
            });
            await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
          }
        }
      }),
    );

    expect(mismatches).toEqual([]);
    expect(completed.every((count) => count >= 1)).toBe(true);
    for (const rejection of rejections) {
      expect(rejection).toEqual({ status: 429, code: 'queue_full', retryAfter: '1' });
    }
    expect(rejections.length).toBeGreaterThan(0);
    const records = api.logs.filter((entry) => entry.event === 'http_request');
    const total = completed.reduce((sum, count) => sum + count, 0);
    expect(records.filter((entry) => entry.status === 200)).toHaveLength(total);
    expect(records.filter((entry) => entry.status === 429)).toHaveLength(rejections.length);
    expect(api.engine.load).toEqual({ running: 0, waiting: 0 });
  });

  test('disconnect frees the model within one step', async () => {
    api.logs.length = 0;
    const controller = new AbortController();
    const long = await api.client.completions.create(
      { model: TEST_MODEL_ID, prompt: '', max_tokens: 500, temperature: 0, stream: true },
      { signal: controller.signal },
    );
    // This request waits in the queue until the long one is gone.
    const next = api.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: '',
      max_tokens: 5,
      temperature: 0,
    });

    let chunks = 0;
    // The openai client ends the loop quietly when its own signal aborts the stream.
    for await (const _chunk of long) {
      chunks += 1;
      if (chunks === 3) controller.abort();
    }
    expect(chunks).toBe(3);

    const aborted = await waitForLog(
      api.logs,
      (entry) => entry.event === 'http_request' && entry.status === 499,
    );
    expect(aborted.finish_reason).toBe('abort');
    expect(aborted.tokens_after_abort).toBeLessThanOrEqual(1);
    expect(aborted.completion_tokens as number).toBeLessThan(500);
    expect((await next).usage!.completion_tokens).toBe(5);
    expect(api.engine.load).toEqual({ running: 0, waiting: 0 });
  });

  test('disconnect aborts a non-streaming request', async () => {
    api.logs.length = 0;
    const controller = new AbortController();
    const pending = api.client.completions.create(
      { model: TEST_MODEL_ID, prompt: '', max_tokens: 500, temperature: 0 },
      { signal: controller.signal },
    );
    const deadline = Date.now() + 10_000;
    while (api.engine.load.running === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort();

    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    const aborted = await waitForLog(api.logs, (entry) => entry.event === 'http_request');
    expect(aborted.status).toBe(499);
    expect(aborted.finish_reason).toBe('abort');
    expect(aborted.tokens_after_abort).toBeLessThanOrEqual(1);
    expect(aborted.completion_tokens as number).toBeLessThan(500);
    expect(api.engine.load).toEqual({ running: 0, waiting: 0 });
  });
});
