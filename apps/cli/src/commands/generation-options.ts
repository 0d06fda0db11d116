import type { GenerationConfig } from '@minichat/exl2-format';
import type { FinishEvent, SamplingOptions } from '@minichat/runtime';
import type { OptionSpecs, ParsedArgs } from '../args/options.js';
import { choiceOption, numberOption, stringOption } from '../args/options.js';
import { BACKEND_NAMES, type BackendName } from '../backend.js';
import { DEFAULT_MODEL } from '../hub/repo-ref.js';
import { KV_CACHE_CHOICES } from '../model/load.js';

/** Largest `--max-tokens` accepted; longer than any context window a LLaMA model of this size has. */
const MAX_NEW_TOKENS_LIMIT = 1_000_000;
/** Largest `--context` accepted, in tokens. */
const MAX_CONTEXT_LIMIT = 1_048_576;
/** Reply length when neither `--max-tokens` nor the model's generation config sets one (MiniChat's card uses 1024). */
export const DEFAULT_MAX_TOKENS = 1024;
/** Temperature when neither `--temperature` nor the model's generation config sets one (MiniChat's card uses 0.7). */
export const DEFAULT_TEMPERATURE = 0.7;

/** `--model` for commands that default to MiniChat-2-3B. */
export const modelOption: OptionSpecs = {
  model: {
    type: 'string',
    short: 'm',
    valueName: 'M',
    description:
      'Model: a local directory, a hub repo id with an optional branch (owner/name@branch) or a URL. A hub ' +
      'model is downloaded into the cache on first use.',
    defaultText: DEFAULT_MODEL,
  },
};

/** `--backend` and `--kv-cache` for commands that run a model. */
export const backendOption: OptionSpecs = {
  backend: {
    type: 'string',
    short: 'b',
    valueName: 'B',
    description: `Kernel backend: ${BACKEND_NAMES.join(', ')}. auto picks WebGPU when an adapter exists, else the CPU.`,
    defaultText: 'auto',
  },
  'kv-cache': {
    type: 'string',
    valueName: 'T',
    description: 'KV cache storage: f16, f32, or auto (f32 for models stored in f32, else f16).',
    defaultText: 'auto',
  },
};

/** Sampling options shared by `generate` and `chat`. */
export const samplingOptions: OptionSpecs = {
  temperature: {
    type: 'string',
    short: 't',
    valueName: 'T',
    description: 'Sampling temperature; 0 always picks the most likely token (greedy).',
    defaultText: `the model's generation_config.json, else ${DEFAULT_TEMPERATURE}`,
  },
  'top-k': {
    type: 'string',
    valueName: 'K',
    description: 'Sample from the K most likely tokens; 0 disables.',
    defaultText: "the model's, else 0",
  },
  'top-p': {
    type: 'string',
    valueName: 'P',
    description: 'Sample from the smallest set of tokens whose probability reaches P, in (0, 1]; 1 disables.',
    defaultText: "the model's, else 1",
  },
  'min-p': {
    type: 'string',
    valueName: 'P',
    description: 'Drop tokens less likely than P times the most likely one, in [0, 1]; 0 disables.',
    defaultText: '0',
  },
  'repetition-penalty': {
    type: 'string',
    valueName: 'R',
    description:
      'Penalize tokens among the last 64 of the context: positive logits are divided by R (> 0), negative ones multiplied; 1 disables.',
    defaultText: "the model's, else 1",
  },
  seed: {
    type: 'string',
    valueName: 'N',
    description: 'Random seed (integer) that makes sampling reproducible.',
    defaultText: 'random',
  },
  'max-tokens': {
    type: 'string',
    short: 'n',
    valueName: 'N',
    description: 'Maximum number of tokens to generate per reply.',
    defaultText: `the model's max_new_tokens, else ${DEFAULT_MAX_TOKENS}`,
  },
  context: {
    type: 'string',
    valueName: 'N',
    description: "Context window in tokens (KV cache size); at most the model's max_position_embeddings.",
    defaultText: "the model's max_position_embeddings",
  },
};

/** Sampling settings after defaults from the command line and the model's generation config. */
export interface SamplingSettings {
  /** Softmax temperature; 0 is greedy. */
  temperature: number;
  /** Top-k cut-off; 0 disables. */
  topK: number;
  /** Nucleus cut-off; 1 disables. */
  topP: number;
  /** Min-p cut-off; 0 disables. */
  minP: number;
  /** Repetition penalty; 1 disables. */
  repetitionPenalty: number;
  /** Seed, when given. */
  seed: number | undefined;
  /** Maximum tokens per reply. */
  maxTokens: number;
}

/** Returns the `--kv-cache` value, default `auto`. */
export function readKvCache(args: ParsedArgs): (typeof KV_CACHE_CHOICES)[number] {
  return choiceOption(args, 'kv-cache', KV_CACHE_CHOICES) ?? 'auto';
}

/** Returns the `--backend` value, default `auto`. */
export function readBackendName(args: ParsedArgs): BackendName {
  return choiceOption(args, 'backend', BACKEND_NAMES) ?? 'auto';
}

/** Returns the `--model` value, default MiniChat-2-3B. */
export function readModelArgument(args: ParsedArgs): string {
  return stringOption(args, 'model') ?? DEFAULT_MODEL;
}

/** Reads the sampling options, taking unset values from the model's `generation_config.json`. */
export function readSamplingSettings(
  args: ParsedArgs,
  generation: GenerationConfig | undefined,
): SamplingSettings {
  return {
    temperature:
      numberOption(args, 'temperature', { min: 0 }) ?? generation?.temperature ?? DEFAULT_TEMPERATURE,
    topK: numberOption(args, 'top-k', { min: 0, integer: true }) ?? generation?.topK ?? 0,
    topP: numberOption(args, 'top-p', { min: 0, exclusiveMin: true, max: 1 }) ?? generation?.topP ?? 1,
    minP: numberOption(args, 'min-p', { min: 0, max: 1 }) ?? 0,
    repetitionPenalty:
      numberOption(args, 'repetition-penalty', { min: 0, exclusiveMin: true }) ??
      generation?.repetitionPenalty ??
      1,
    seed: numberOption(args, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
    maxTokens:
      numberOption(args, 'max-tokens', { min: 1, max: MAX_NEW_TOKENS_LIMIT, integer: true }) ??
      generation?.maxNewTokens ??
      DEFAULT_MAX_TOKENS,
  };
}

/** Reads `--context`, or returns `undefined` to use the model's maximum. */
export function readContextLength(args: ParsedArgs): number | undefined {
  return numberOption(args, 'context', { min: 1, max: MAX_CONTEXT_LIMIT, integer: true });
}

/** Converts {@link SamplingSettings} (without `maxTokens`) to the runtime's sampling options. */
export function toRuntimeSampling(settings: Omit<SamplingSettings, 'maxTokens'>): SamplingOptions {
  const { seed, ...rest } = settings;
  return seed === undefined ? rest : { ...rest, seed };
}

/** Formats the usage line printed after a completion, such as `[200 tokens, 512.3 tokens/s, ...]`. */
export function formatUsage(finish: FinishEvent): string {
  const { usage } = finish;
  const speed = usage.tokensPerSecond === undefined ? 'n/a' : usage.tokensPerSecond.toFixed(1);
  const firstToken =
    usage.timeToFirstTokenMs === undefined ? 'n/a' : `${usage.timeToFirstTokenMs.toFixed(0)} ms`;
  return (
    `[${usage.completionTokens} tokens, ${speed} tokens/s, prompt ${usage.promptTokens} tokens ` +
    `(${usage.cachedPromptTokens} cached), first token after ${firstToken}, finish: ${finish.reason}]`
  );
}
