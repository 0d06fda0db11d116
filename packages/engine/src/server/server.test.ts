import type { Model } from '@minichat/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type GreedyExpectation, readGreedyExpectation } from '../test-utils/expected.js';
import { startTestServer, TEST_API_KEY, TEST_MODEL_ID, type TestServer } from '../test-utils/server.js';
import { loadStories260k } from '../test-utils/stories260k.js';

let model: Model;
let cleanup: () => Promise<void>;
let expected: GreedyExpectation;
let api: TestServer;

beforeAll(async () => {
  ({ model, cleanup } = await loadStories260k());
  expected = await readGreedyExpectation();
  api = await startTestServer(model, { server: { apiKey: TEST_API_KEY } });
});

afterAll(async () => {
  await api?.server.close();
  await cleanup();
});

/** Sends a raw request to the test server. */
function send(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${api.server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...init.headers },
  });
}

/** Expects an OpenAI-shaped error body. */
async function expectErrorBody(
  response: Response,
  status: number,
  fields: Record<string, unknown>,
): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject(fields);
}

describe('openai client', () => {
  test('models.list', async () => {
    const page = await api.client.models.list();

    expect(page.data.map((entry) => entry.id)).toEqual([TEST_MODEL_ID]);
    expect((await api.client.models.retrieve(TEST_MODEL_ID)).owned_by).toBe('minichat');
  });

  test('completion matches llama2.c greedy', async () => {
    const response = await api.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: '',
      max_tokens: 200,
      temperature: 0,
    });

    expect(response.choices[0]!.text).toBe(expected.text);
    expect(response.usage).toEqual({ prompt_tokens: 1, completion_tokens: 200, total_tokens: 201 });
  });

  test('streamed completion matches llama2.c greedy', async () => {
    const stream = await api.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: '',
      max_tokens: 200,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }

    expect(text).toBe(expected.text);
    expect(usage).toEqual({ prompt_tokens: 1, completion_tokens: 200, total_tokens: 201 });
  });

  test('chat response and stream agree', async () => {
    const request = {
      model: TEST_MODEL_ID,
      messages: [
        { role: 'system' as const, content: 'You tell stories.' },
        { role: 'user' as const, content: 'Tell me about Lily.' },
      ],
      max_tokens: 40,
      temperature: 0,
    };
    const response = await api.client.chat.completions.create(request);
    const stream = await api.client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      usage = chunk.usage ?? usage;
    }

    expect(response.object).toBe('chat.completion');
    expect(response.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(content).toBe(response.choices[0]!.message.content);
    expect(finishReason).toBe(response.choices[0]!.finish_reason);
    expect(usage).toEqual(response.usage);
    expect(response.usage!.total_tokens).toBe(
      response.usage!.prompt_tokens + response.usage!.completion_tokens,
    );
  });

  test('stop strings end the output', async () => {
    const response = await api.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: '',
      max_tokens: 200,
      temperature: 0,
      stop: ['park', 'ball'],
    });

    expect(response.choices[0]!.text).toBe(expected.text.slice(0, expected.text.indexOf('park')));
    expect(response.choices[0]!.finish_reason).toBe('stop');
  });

  test('seed reproduces sampling', async () => {
    const request = { model: TEST_MODEL_ID, prompt: 'Lily', max_tokens: 30, temperature: 0.9, seed: 1234 };
    const first = await api.client.completions.create(request);
    const second = await api.client.completions.create(request);
    const other = await api.client.completions.create({ ...request, seed: 1235 });

    expect(second.choices[0]!.text).toBe(first.choices[0]!.text);
    expect(other.choices[0]!.text).not.toBe(first.choices[0]!.text);
  });

  test('extension field passes through', async () => {
    // The client sends unknown body fields as given; the cast only satisfies its types.
    const response = await api.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: '',
      max_tokens: 50,
      temperature: 1.5,
      seed: 99,
      minichat: { top_k: 1 },
    } as OpenAI.CompletionCreateParamsNonStreaming);

    expect(response.choices[0]!.text).toBe(expected.text.slice(0, response.choices[0]!.text.length));
    expect(response.usage!.completion_tokens).toBe(50);
  });
});

describe('errors', () => {
  test('unknown model is 404', async () => {
    const failure = api.client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
    });

    await expect(failure).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(failure).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  test('invalid parameter is 400', async () => {
    const failure = api.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 5,
    });

    await expect(failure).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(failure).rejects.toMatchObject({ status: 400, code: 'invalid_value', param: 'temperature' });
    await expect(failure).rejects.toThrow(/Invalid value 5 for 'temperature': expected a number in \[0, 2\]/);
  });

  test('unsupported field is 400', async () => {
    const failure = api.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });

    await expect(failure).rejects.toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param: 'tools',
    });
  });

  test('n above 1 is 400', async () => {
    const failure = api.client.completions.create({ model: TEST_MODEL_ID, prompt: 'Hi', n: 2 });

    await expect(failure).rejects.toMatchObject({ status: 400, param: 'n' });
  });

  test('bad JSON is 400', async () => {
    const response = await send('/v1/chat/completions', { method: 'POST', body: '{"messages": [' });

    await expectErrorBody(response, 400, {
      type: 'invalid_request_error',
      code: 'invalid_json',
      param: null,
    });
  });

  test('missing messages is 400', async () => {
    const response = await send('/v1/chat/completions', { method: 'POST', body: '{"model": "stories260k"}' });

    await expectErrorBody(response, 400, { code: 'missing_required_parameter', param: 'messages' });
  });

  test('text content type is 415', async () => {
    const response = await send('/v1/completions', {
      method: 'POST',
      body: '{"prompt": "Hi"}',
      headers: { 'content-type': 'text/plain' },
    });

    await expectErrorBody(response, 415, { code: 'unsupported_media_type' });
  });

  test('unknown route is 404', async () => {
    await expectErrorBody(await send('/v1/embeddings', { method: 'POST', body: '{}' }), 404, {
      code: 'not_found',
    });
  });

  test('wrong method is 405', async () => {
    const response = await send('/v1/chat/completions');

    expect(response.headers.get('allow')).toBe('POST');
    await expectErrorBody(response, 405, { code: 'method_not_allowed' });
  });

  test('missing or wrong API key is 401', async () => {
    const missing = await fetch(`${api.server.url}/v1/models`);
    const wrong = new OpenAI({ baseURL: `${api.server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });

    await expectErrorBody(missing, 401, { type: 'authentication_error', code: 'invalid_api_key' });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test('health needs no key', async () => {
    const response = await fetch(`${api.server.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', model: TEST_MODEL_ID, running: 0, waiting: 0 });
  });
});

describe('server options', () => {
  test('body over the limit is 413', async () => {
    const small = await startTestServer(model, { server: { maxBodyBytes: 1000 } });
    try {
      const prompt = 'x'.repeat(2000);
      const response = await fetch(`${small.server.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt }),
      });

      await expectErrorBody(response, 413, { code: 'request_too_large' });
      const ok = await small.client.completions.create({ model: TEST_MODEL_ID, prompt: 'Hi', max_tokens: 2 });
      expect(ok.usage!.completion_tokens).toBe(2);
    } finally {
      await small.server.close();
    }
  });

  test('close sends 503 to waiting requests', async () => {
    const closing = await startTestServer(model);
    const running = await closing.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: '',
      max_tokens: 400,
      stream: true,
    });
    const waiting = closing.client.completions.create({ model: TEST_MODEL_ID, prompt: '', max_tokens: 5 });
    while (closing.engine.load.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 1));

    const closed = closing.server.close();

    await expect(waiting).rejects.toMatchObject({ status: 503, code: 'engine_closed' });
    await expect(
      (async () => {
        for await (const _chunk of running);
      })(),
    ).rejects.toThrow();
    await closed;
    expect(closing.engine.load).toEqual({ running: 0, waiting: 0 });
  });

  test('CORS is off by default', async () => {
    const response = await send('/v1/models', { headers: { origin: 'http://localhost:5173' } });
    const preflight = await fetch(`${api.server.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('CORS allows listed origins', async () => {
    const open = await startTestServer(model, { server: { cors: { origins: ['http://localhost:5173'] } } });
    try {
      const preflight = await fetch(`${open.server.url}/v1/chat/completions`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:5173',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      const other = await fetch(`${open.server.url}/v1/models`, {
        headers: { origin: 'http://evil.example' },
      });

      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
      expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await open.server.close();
    }
  });
});

describe('logs', () => {
  test('one JSON record per request', async () => {
    const secret = 'pineapple';
    api.logs.length = 0;
    const response = await api.client.completions.create({
      model: TEST_MODEL_ID,
      prompt: secret,
      max_tokens: 4,
    });

    const records = api.logs.filter((entry) => entry.event === 'http_request');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'info',
      request_id: response.id,
      method: 'POST',
      path: '/v1/completions',
      status: 200,
      completion_tokens: 4,
      finish_reason: 'length',
    });
    expect(records[0]!.prompt_tokens).toBe(response.usage!.prompt_tokens);
    expect(typeof records[0]!.duration_ms).toBe('number');
    expect(JSON.parse(JSON.stringify(records[0]))).toEqual(records[0]);
    expect(JSON.stringify(api.logs)).not.toContain(secret);
  });

  test('prompts logged when asked', async () => {
    const verbose = await startTestServer(model, { server: { logPrompts: true } });
    try {
      await verbose.client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: 'user', content: 'pineapple' }],
        max_tokens: 2,
      });

      const record = verbose.logs.find((entry) => entry.event === 'http_request');
      expect(record?.messages).toEqual([{ role: 'user', content: 'pineapple' }]);
    } finally {
      await verbose.server.close();
    }
  });
});
