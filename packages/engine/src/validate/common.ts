import { InvalidParameterError } from '../errors.js';
import {
  MAX_LOGIT_BIAS,
  MAX_LOGIT_BIAS_ENTRIES,
  MAX_STOP_SEQUENCE_LENGTH,
  MAX_STOP_SEQUENCES,
} from '../limits.js';
import {
  isJsonObject,
  type JsonObject,
  readBoolean,
  readNumber,
  readString,
  rejectOtherFields,
} from './fields.js';

/** Sampling settings of a validated request, in the runtime's terms. Absent fields use the runtime's defaults. */
export interface SamplingSettings {
  /** Softmax temperature; 0 is greedy. */
  temperature?: number;
  /** Nucleus threshold in (0, 1]. */
  topP?: number;
  /** Top-k cut-off; 0 keeps all. */
  topK?: number;
  /** Min-p threshold in [0, 1]. */
  minP?: number;
  /** Typical-p threshold in (0, 1]. */
  typicalP?: number;
  /** Repetition penalty, > 0. */
  repetitionPenalty?: number;
  /** Presence penalty in [-2, 2]. */
  presencePenalty?: number;
  /** Frequency penalty in [-2, 2]. */
  frequencyPenalty?: number;
  /** Tokens the penalties look at. */
  penaltyWindow?: number;
  /** Token id to logit bias. */
  logitBias?: Map<number, number>;
  /** Seed of the random draws. */
  seed?: number;
  /** Whether to report each chosen token's log-probability. */
  logprobs: boolean;
  /** Alternatives per token to report. */
  topLogprobs: number;
}

/** The fields every request kind shares, validated. */
export interface ValidatedCommonFields {
  /** Requested model id, if any. */
  model: string | undefined;
  /** Requested `max_tokens`, if any. */
  maxTokens: number | undefined;
  /** Stop strings, possibly empty. */
  stop: string[];
  /** Whether to stream. */
  stream: boolean;
  /** Whether a stream ends with a usage chunk. */
  includeUsage: boolean;
  /** Sampling settings. */
  sampling: SamplingSettings;
}

/** Fields accepted by every request kind. */
export const COMMON_FIELDS: readonly string[] = [
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'n',
  'stream',
  'stream_options',
  'user',
  'minichat',
];

/** Fields of the OpenAI APIs that this engine does not implement, with the reason sent back. */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  tools: 'tool calling is not implemented; describe the tools in the prompt instead.',
  tool_choice: 'tool calling is not implemented.',
  parallel_tool_calls: 'tool calling is not implemented.',
  functions: 'function calling is not implemented.',
  function_call: 'function calling is not implemented.',
  response_format: 'structured output (JSON mode, JSON schema) is not implemented.',
  audio: 'audio output is not implemented.',
  modalities: 'only text output is implemented.',
  prediction: 'predicted outputs are not implemented.',
  reasoning_effort: 'the served models have no reasoning mode.',
  web_search_options: 'web search is not implemented.',
  service_tier: 'there is one service tier.',
  store: 'stored completions are not implemented.',
  metadata: 'stored completions are not implemented.',
  suffix: 'insertion (suffix) is not implemented.',
};

/** Fields of the `minichat` extension object. */
const EXTENSION_FIELDS = new Set(['top_k', 'min_p', 'typical_p', 'repetition_penalty', 'penalty_window']);

/** Reads `stop`: a string or up to {@link MAX_STOP_SEQUENCES} non-empty strings. */
function readStop(body: JsonObject): string[] {
  const value = body.stop;
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  const requirement =
    `expected a string or an array of at most ${MAX_STOP_SEQUENCES} non-empty strings, ` +
    `each at most ${MAX_STOP_SEQUENCE_LENGTH} characters`;
  if (!Array.isArray(list) || list.length > MAX_STOP_SEQUENCES) {
    throw new InvalidParameterError('stop', value, requirement);
  }
  list.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > MAX_STOP_SEQUENCE_LENGTH) {
      throw new InvalidParameterError(
        typeof value === 'string' ? 'stop' : `stop[${index}]`,
        entry,
        requirement,
      );
    }
  });
  return [...new Set(list as string[])];
}

/** Reads `logit_bias`: token id keys (decimal strings) to biases in [-100, 100]. */
function readLogitBias(body: JsonObject): Map<number, number> | undefined {
  const value = body.logit_bias;
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) {
    throw new InvalidParameterError('logit_bias', value, 'expected an object from token ids to numbers');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_LOGIT_BIAS_ENTRIES) {
    throw new InvalidParameterError(
      'logit_bias',
      `${entries.length} entries`,
      `expected at most ${MAX_LOGIT_BIAS_ENTRIES} entries`,
    );
  }
  const bias = new Map<number, number>();
  for (const [key, entry] of entries) {
    if (!/^(0|[1-9][0-9]{0,8})$/.test(key)) {
      throw new InvalidParameterError('logit_bias', key, 'expected keys that are token ids such as "50256"');
    }
    if (typeof entry !== 'number' || !Number.isFinite(entry) || Math.abs(entry) > MAX_LOGIT_BIAS) {
      throw new InvalidParameterError(
        `logit_bias.${key}`,
        entry,
        `expected a number in [-${MAX_LOGIT_BIAS}, ${MAX_LOGIT_BIAS}]`,
      );
    }
    bias.set(Number(key), entry);
  }
  return bias;
}

/** Reads the `minichat` extension object into `sampling`. */
function readExtension(body: JsonObject, sampling: SamplingSettings): void {
  const value = body.minichat;
  if (value === undefined || value === null) return;
  if (!isJsonObject(value)) {
    throw new InvalidParameterError(
      'minichat',
      value,
      'expected an object with top_k, min_p, typical_p, repetition_penalty or penalty_window',
    );
  }
  rejectOtherFields(value, EXTENSION_FIELDS, {}, 'minichat.');
  sampling.topK = readNumber(value, 'top_k', { min: 0, integer: true }, 'minichat.');
  sampling.minP = readNumber(value, 'min_p', { min: 0, max: 1 }, 'minichat.');
  sampling.typicalP = readNumber(value, 'typical_p', { min: 0, exclusiveMin: true, max: 1 }, 'minichat.');
  sampling.repetitionPenalty = readNumber(
    value,
    'repetition_penalty',
    { min: 0, exclusiveMin: true },
    'minichat.',
  );
  sampling.penaltyWindow = readNumber(value, 'penalty_window', { min: 0, integer: true }, 'minichat.');
}

/** Validates the fields shared by chat and completion requests. Logprob fields are set by the caller. */
export function readCommonFields(body: JsonObject): ValidatedCommonFields {
  const model = readString(body, 'model');
  readString(body, 'user');

  // One choice is generated per request, so n may only be 1.
  readNumber(body, 'n', { min: 1, max: 1, integer: true });
  const stream = readBoolean(body, 'stream') ?? false;
  let includeUsage = false;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) {
      throw new InvalidParameterError('stream_options', streamOptions, 'only allowed when stream is true');
    }
    if (!isJsonObject(streamOptions)) {
      throw new InvalidParameterError(
        'stream_options',
        streamOptions,
        'expected an object such as {"include_usage": true}',
      );
    }
    rejectOtherFields(streamOptions, new Set(['include_usage']), {}, 'stream_options.');
    includeUsage = readBoolean(streamOptions, 'include_usage', 'stream_options.') ?? false;
  }

  const sampling: SamplingSettings = {
    temperature: readNumber(body, 'temperature', { min: 0, max: 2 }),
    // NOTE: top_p 0 is valid in the OpenAI API; the runtime's sampler needs p > 0, so greedy is temperature 0.
    topP: readNumber(body, 'top_p', { min: 0, exclusiveMin: true, max: 1 }),
    presencePenalty: readNumber(body, 'presence_penalty', { min: -2, max: 2 }),
    frequencyPenalty: readNumber(body, 'frequency_penalty', { min: -2, max: 2 }),
    logitBias: readLogitBias(body),
    // NOTE: the runtime's generator keeps 32 bits of the seed, so seeds equal modulo 2^32 draw the same.
    seed: readNumber(body, 'seed', {
      min: Number.MIN_SAFE_INTEGER,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
    }),
    logprobs: false,
    topLogprobs: 0,
  };
  readExtension(body, sampling);

  return {
    model,
    maxTokens: readNumber(body, 'max_tokens', { min: 1, integer: true }),
    stop: readStop(body),
    stream,
    includeUsage,
    sampling,
  };
}
