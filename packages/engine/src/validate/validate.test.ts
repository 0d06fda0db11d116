import { describe, expect, test } from 'vitest';
import { InvalidParameterError, InvalidRequestError, UnsupportedParameterError } from '../errors.js';
import { MAX_LOGIT_BIAS_ENTRIES, MAX_STOP_SEQUENCE_LENGTH } from '../limits.js';
import { validateChatRequest } from './chat-request.js';
import { validateCompletionRequest } from './completion-request.js';

const hi = [{ role: 'user', content: 'Hi' }];

describe('validateChatRequest', () => {
  test('maps fields to runtime settings', () => {
    const request = validateChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '你好，' },
            { type: 'text', text: 'world' },
          ],
        },
      ],
      max_completion_tokens: 7,
      temperature: 0.5,
      top_p: 0.9,
      stop: 'END',
      seed: 3,
      presence_penalty: 0.1,
      frequency_penalty: -0.2,
      logit_bias: { '5': -100, '7': 2 },
      logprobs: true,
      top_logprobs: 4,
      stream: true,
      stream_options: { include_usage: true },
      n: 1,
      user: 'someone',
      minichat: { top_k: 40, min_p: 0.05, typical_p: 0.9, repetition_penalty: 1.1, penalty_window: 32 },
    });

    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: '你好，world' },
    ]);
    expect(request.maxTokens).toBe(7);
    expect(request.stop).toEqual(['END']);
    expect(request.stream).toBe(true);
    expect(request.includeUsage).toBe(true);
    expect(request.sampling).toEqual({
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      minP: 0.05,
      typicalP: 0.9,
      repetitionPenalty: 1.1,
      penaltyWindow: 32,
      presencePenalty: 0.1,
      frequencyPenalty: -0.2,
      logitBias: new Map([
        [5, -100],
        [7, 2],
      ]),
      seed: 3,
      logprobs: true,
      topLogprobs: 4,
    });
  });

  test('null fields mean defaults', () => {
    const request = validateChatRequest({
      messages: hi,
      temperature: null,
      stop: null,
      tools: null,
      n: null,
    });

    expect(request.sampling.temperature).toBeUndefined();
    expect(request.stop).toEqual([]);
  });

  test.each([
    ['temperature', 2.5, /expected a number in \[0, 2\]/],
    ['temperature', '0.5', /expected a number/],
    ['top_p', 0, /expected a number in \(0, 1\]/],
    ['max_tokens', 0, /expected an integer >= 1/],
    ['max_tokens', 1.5, /expected an integer >= 1/],
    ['presence_penalty', 3, /\[-2, 2\]/],
    ['frequency_penalty', -2.5, /\[-2, 2\]/],
    ['seed', 0.5, /expected an integer/],
    ['n', 2, /expected an integer in \[1, 1\]/],
    ['stream', 'yes', /expected true or false/],
    ['top_logprobs', 3, /only allowed when logprobs is true/],
    ['stream_options', { include_usage: true }, /only allowed when stream is true/],
    ['logit_bias', { abc: 1 }, /token ids/],
    ['logit_bias', { '1': 101 }, /\[-100, 100\]/],
    ['stop', ['a', 'b', 'c', 'd', 'e'], /at most 4/],
    ['stop', [''], /non-empty/],
    ['stop', 'x'.repeat(MAX_STOP_SEQUENCE_LENGTH + 1), /at most 256 characters/],
    ['messages', [], /non-empty array/],
    ['minichat', { top_k: -1 }, /expected an integer >= 0/],
  ])('rejects %s = %j', (field, value, message) => {
    const body: Record<string, unknown> = { messages: hi, [field]: value };

    expect(() => validateChatRequest(body)).toThrow(InvalidParameterError);
    expect(() => validateChatRequest(body)).toThrow(message);
  });

  test('error names the nested field', () => {
    const body = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] };

    expect(() => validateChatRequest(body)).toThrow(
      expect.objectContaining({
        param: 'messages[0].content[0].type',
        code: 'unsupported_parameter',
        status: 400,
      }),
    );
  });

  test.each([
    ['tools', [{ type: 'function' }], /tool calling/],
    ['response_format', { type: 'json_object' }, /structured output/],
    ['functions', [], /function calling/],
  ])('rejects unsupported %s', (field, value, reason) => {
    const body = { messages: hi, [field]: value };

    expect(() => validateChatRequest(body)).toThrow(UnsupportedParameterError);
    expect(() => validateChatRequest(body)).toThrow(reason);
  });

  test('rejects unknown fields', () => {
    expect(() => validateChatRequest({ messages: hi, temprature: 1 })).toThrow(
      expect.objectContaining({ param: 'temprature', code: 'unknown_parameter' }),
    );
    expect(() => validateChatRequest({ messages: hi, minichat: { top_q: 1 } })).toThrow(
      expect.objectContaining({ param: 'minichat.top_q', code: 'unknown_parameter' }),
    );
  });

  test('rejects bad messages', () => {
    expect(() => validateChatRequest({})).toThrow(
      expect.objectContaining({ code: 'missing_required_parameter' }),
    );
    expect(() => validateChatRequest({ messages: [{ role: 'tool', content: 'x' }] })).toThrow(
      expect.objectContaining({ param: 'messages[0].role' }),
    );
    expect(() => validateChatRequest({ messages: [{ role: 'user', content: 'x', name: 'bob' }] })).toThrow(
      expect.objectContaining({ param: 'messages[0].name', code: 'unsupported_parameter' }),
    );
    expect(() => validateChatRequest({ messages: [{ role: 'user', content: 5 }] })).toThrow(
      expect.objectContaining({ param: 'messages[0].content' }),
    );
    expect(() => validateChatRequest([])).toThrow(/must be a JSON object, not an array/);
  });

  test('rejects both max_tokens fields', () => {
    expect(() => validateChatRequest({ messages: hi, max_tokens: 3, max_completion_tokens: 3 })).toThrow(
      InvalidRequestError,
    );
  });

  test('limits logit_bias entries', () => {
    const bias = Object.fromEntries(
      Array.from({ length: MAX_LOGIT_BIAS_ENTRIES + 1 }, (_, i) => [String(i), 1]),
    );

    expect(() => validateChatRequest({ messages: hi, logit_bias: bias })).toThrow(/at most 1024 entries/);
  });
});

describe('validateCompletionRequest', () => {
  test('maps legacy logprobs', () => {
    const request = validateCompletionRequest({ prompt: ['Once'], logprobs: 2, echo: false, best_of: 1 });

    expect(request.prompt).toBe('Once');
    expect(request.sampling.logprobs).toBe(true);
    expect(request.sampling.topLogprobs).toBe(2);
  });

  test('accepts token ids', () => {
    expect(validateCompletionRequest({ prompt: [1, 403] }).prompt).toEqual([1, 403]);
    expect(validateCompletionRequest({ prompt: [[1, 403]] }).prompt).toEqual([1, 403]);
  });

  test('logprobs 0 reports only chosen tokens', () => {
    const request = validateCompletionRequest({ prompt: 'Once', logprobs: 0 });

    expect(request.sampling).toMatchObject({ logprobs: true, topLogprobs: 0 });
  });

  test.each([
    [{}, /Missing required field 'prompt'/],
    [{ prompt: ['a', 'b'] }, /batches of several prompts/],
    [{ prompt: [1, -2] }, /a non-empty array of token ids/],
    [{ prompt: [] }, /a non-empty array of token ids/],
    [{ prompt: [[1], [2]] }, /batches of several prompts/],
    [{ prompt: 'a', echo: true }, /echoing the prompt/],
    [{ prompt: 'a', suffix: 'b' }, /suffix/],
    [{ prompt: 'a', logprobs: 6 }, /\[0, 5\]/],
    [{ prompt: 'a', best_of: 2 }, /\[1, 1\]/],
    [{ prompt: 'a', messages: hi }, /Unrecognized request field 'messages'/],
  ])('rejects %j', (body, message) => {
    expect(() => validateCompletionRequest(body)).toThrow(message);
  });
});
