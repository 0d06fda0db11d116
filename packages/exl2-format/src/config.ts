import { ModelConfigError, UnsupportedModelError } from './errors.js';

/** A validated LLaMA-family model configuration, with HF defaults applied. */
export interface LlamaConfig {
  /** Architecture class name, for example `LlamaForCausalLM`. */
  architecture: string;
  /** Model width (`hidden_size`). */
  hiddenSize: number;
  /** FFN width (`intermediate_size`). */
  intermediateSize: number;
  /** Number of decoder layers. */
  numHiddenLayers: number;
  /** Number of query heads. */
  numAttentionHeads: number;
  /** Number of key/value heads (equal to the query heads without GQA). */
  numKeyValueHeads: number;
  /** Width of one head (`head_dim`, default `hidden_size / num_attention_heads`). */
  headDim: number;
  /** RMSNorm epsilon. */
  rmsNormEps: number;
  /** RoPE base frequency. */
  ropeTheta: number;
  /** Longest context the model was trained for. */
  maxPositionEmbeddings: number;
  /** Vocabulary size (rows of the embedding). */
  vocabSize: number;
  /** Whether `lm_head` shares the embedding matrix. */
  tieWordEmbeddings: boolean;
  /** Whether q/k/v/o projections have biases. */
  attentionBias: boolean;
  /** Whether gate/up/down projections have biases. */
  mlpBias: boolean;
  /** Beginning-of-sequence token id. */
  bosTokenId: number;
  /** End-of-sequence token ids (HF allows one id or a list). */
  eosTokenId: number[];
  /** Padding token id, when set. */
  padTokenId?: number;
  /** `_name_or_path`, when present. */
  nameOrPath?: string;
  /** The parsed JSON as read. */
  raw: Record<string, unknown>;
}

/** Generation defaults from `generation_config.json`. */
export interface GenerationConfig {
  /** Beginning-of-sequence token id. */
  bosTokenId?: number;
  /** End-of-sequence token ids. */
  eosTokenId?: number[];
  /** Padding token id. */
  padTokenId?: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus sampling threshold. */
  topP?: number;
  /** Top-k sampling cutoff. */
  topK?: number;
  /** Repetition penalty. */
  repetitionPenalty?: number;
  /** Maximum new tokens. */
  maxNewTokens?: number;
  /** The parsed JSON as read. */
  raw: Record<string, unknown>;
}

/** Architectures whose decoder is the LLaMA block this package describes. */
export const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'MistralForCausalLM'] as const;

// Upper bounds for config values; each is far above any released LLaMA-family model and keeps
// derived sizes (hidden × vocab and so on) inside safe integers.
const LIMITS = {
  hidden_size: 65536,
  intermediate_size: 1 << 20,
  num_hidden_layers: 1024,
  num_attention_heads: 1024,
  num_key_value_heads: 1024,
  head_dim: 1024,
  max_position_embeddings: 1 << 24,
  vocab_size: 1 << 22,
} as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readInteger(raw: Record<string, unknown>, key: keyof typeof LIMITS, fallback?: number): number {
  const value = raw[key] ?? fallback;
  const max = LIMITS[key];
  if (value === undefined) {
    throw new ModelConfigError(`config.json is missing the required field ${key}.`, {
      file: 'config.json',
      tensor: key,
      expected: 'a positive integer',
      actual: 'missing',
    });
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ModelConfigError(
      `config.json field ${key} is ${JSON.stringify(value)}; expected an integer in [1, ${max}].`,
      {
        file: 'config.json',
        tensor: key,
        expected: `integer in [1, ${max}]`,
        actual: JSON.stringify(value),
      },
    );
  }
  return value;
}

function readPositiveNumber(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  max: number,
): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new ModelConfigError(
      `config.json field ${key} is ${JSON.stringify(value)}; expected a number in (0, ${max}].`,
      {
        file: 'config.json',
        tensor: key,
        expected: `number in (0, ${max}]`,
        actual: JSON.stringify(value),
      },
    );
  }
  return value;
}

function readTokenIds(value: unknown, key: string, file: string): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const ids = Array.isArray(value) ? value : [value];
  if (!ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0)) {
    throw new ModelConfigError(
      `${file} field ${key} is ${JSON.stringify(value)}; expected a token id or a list of token ids.`,
      {
        file,
        tensor: key,
        expected: 'non-negative integer(s)',
        actual: JSON.stringify(value),
      },
    );
  }
  return ids as number[];
}

function readBoolean(raw: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'boolean') {
    throw new ModelConfigError(
      `config.json field ${key} is ${JSON.stringify(value)}; expected true or false.`,
      {
        file: 'config.json',
        tensor: key,
        expected: 'boolean',
        actual: JSON.stringify(value),
      },
    );
  }
  return value;
}

/**
 * Validates a parsed `config.json` into a {@link LlamaConfig}, applying the defaults of HF
 * transformers' `LlamaConfig`. Raises {@link ModelConfigError} for missing or out-of-range
 * fields and {@link UnsupportedModelError} for other architectures, `rope_scaling` or activations.
 */
export function parseLlamaConfig(json: unknown): LlamaConfig {
  if (!isObject(json)) {
    throw new ModelConfigError('config.json is not a JSON object.', {
      file: 'config.json',
      expected: 'object',
      actual: typeof json,
    });
  }
  const raw = json;

  const architectures = raw.architectures;
  const architecture =
    Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : undefined;
  const supported: readonly string[] = SUPPORTED_ARCHITECTURES;
  if (
    architecture === undefined
      ? raw.model_type !== 'llama' && raw.model_type !== 'mistral'
      : !supported.includes(architecture)
  ) {
    const found = architecture ?? `model_type ${JSON.stringify(raw.model_type)}`;
    throw new UnsupportedModelError(
      `Architecture ${found} is not supported. Supported: ${SUPPORTED_ARCHITECTURES.join(', ')}.`,
      {
        file: 'config.json',
        tensor: 'architectures',
        expected: SUPPORTED_ARCHITECTURES.join(' | '),
        actual: found,
      },
    );
  }
  if (raw.rope_scaling !== undefined && raw.rope_scaling !== null) {
    const type = isObject(raw.rope_scaling)
      ? (raw.rope_scaling.rope_type ?? raw.rope_scaling.type)
      : raw.rope_scaling;
    throw new UnsupportedModelError(
      `rope_scaling ${JSON.stringify(type)} is not supported; only unscaled RoPE (rope_scaling null) is implemented.`,
      {
        file: 'config.json',
        tensor: 'rope_scaling',
        expected: 'null',
        actual: JSON.stringify(raw.rope_scaling),
      },
    );
  }
  const activation = raw.hidden_act ?? 'silu';
  if (activation !== 'silu') {
    throw new UnsupportedModelError(
      `hidden_act ${JSON.stringify(activation)} is not supported; LLaMA models use silu.`,
      {
        file: 'config.json',
        tensor: 'hidden_act',
        expected: 'silu',
        actual: JSON.stringify(activation),
      },
    );
  }
  if (
    typeof raw.sliding_window === 'number' &&
    raw.sliding_window < (Number(raw.max_position_embeddings) || 0)
  ) {
    throw new UnsupportedModelError(
      `sliding_window ${raw.sliding_window} is not supported; only full attention is implemented.`,
      {
        file: 'config.json',
        tensor: 'sliding_window',
        expected: 'null or >= max_position_embeddings',
        actual: String(raw.sliding_window),
      },
    );
  }

  const hiddenSize = readInteger(raw, 'hidden_size');
  const numAttentionHeads = readInteger(raw, 'num_attention_heads');
  const numKeyValueHeads = readInteger(raw, 'num_key_value_heads', numAttentionHeads);
  const headDim = readInteger(raw, 'head_dim', Math.floor(hiddenSize / numAttentionHeads));
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new ModelConfigError(
      `num_attention_heads ${numAttentionHeads} is not a multiple of num_key_value_heads ${numKeyValueHeads}.`,
      {
        file: 'config.json',
        tensor: 'num_key_value_heads',
        expected: `a divisor of ${numAttentionHeads}`,
        actual: String(numKeyValueHeads),
      },
    );
  }
  if (raw.head_dim === undefined && hiddenSize % numAttentionHeads !== 0) {
    throw new ModelConfigError(
      `hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numAttentionHeads}; set head_dim.`,
      {
        file: 'config.json',
        tensor: 'hidden_size',
        expected: `a multiple of ${numAttentionHeads}`,
        actual: String(hiddenSize),
      },
    );
  }
  if (headDim % 2 !== 0) {
    throw new ModelConfigError(`head_dim ${headDim} is odd; RoPE needs an even head dimension.`, {
      file: 'config.json',
      tensor: 'head_dim',
      expected: 'even',
      actual: String(headDim),
    });
  }

  const eos = readTokenIds(raw.eos_token_id, 'eos_token_id', 'config.json') ?? [2];
  const bos = readTokenIds(raw.bos_token_id, 'bos_token_id', 'config.json') ?? [1];
  const pad = readTokenIds(raw.pad_token_id, 'pad_token_id', 'config.json');
  const config: LlamaConfig = {
    architecture: architecture ?? (raw.model_type === 'mistral' ? 'MistralForCausalLM' : 'LlamaForCausalLM'),
    hiddenSize,
    intermediateSize: readInteger(raw, 'intermediate_size'),
    numHiddenLayers: readInteger(raw, 'num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: readPositiveNumber(raw, 'rms_norm_eps', 1e-6, 1),
    ropeTheta: readPositiveNumber(raw, 'rope_theta', 10000, 1e12),
    maxPositionEmbeddings: readInteger(raw, 'max_position_embeddings', 2048),
    vocabSize: readInteger(raw, 'vocab_size'),
    tieWordEmbeddings: readBoolean(raw, 'tie_word_embeddings', false),
    attentionBias: readBoolean(raw, 'attention_bias', false),
    mlpBias: readBoolean(raw, 'mlp_bias', false),
    bosTokenId: bos[0]!,
    eosTokenId: eos,
    raw,
  };
  if (pad !== undefined) config.padTokenId = pad[0]!;
  if (typeof raw._name_or_path === 'string') config.nameOrPath = raw._name_or_path;
  return config;
}

/** Validates a parsed `generation_config.json`; unknown fields stay available in `raw`. */
export function parseGenerationConfig(json: unknown): GenerationConfig {
  if (!isObject(json)) {
    throw new ModelConfigError('generation_config.json is not a JSON object.', {
      file: 'generation_config.json',
      expected: 'object',
      actual: typeof json,
    });
  }
  const file = 'generation_config.json';
  const number = (key: string): number | undefined => {
    const value = json[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ModelConfigError(
        `${file} field ${key} is ${JSON.stringify(value)}; expected a non-negative number.`,
        {
          file,
          tensor: key,
          expected: 'non-negative number',
          actual: JSON.stringify(value),
        },
      );
    }
    return value;
  };
  const config: GenerationConfig = { raw: json };
  const bos = readTokenIds(json.bos_token_id, 'bos_token_id', file);
  const eos = readTokenIds(json.eos_token_id, 'eos_token_id', file);
  const pad = readTokenIds(json.pad_token_id, 'pad_token_id', file);
  if (bos) config.bosTokenId = bos[0]!;
  if (eos) config.eosTokenId = eos;
  if (pad) config.padTokenId = pad[0]!;
  const fields = [
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['top_k', 'topK'],
    ['repetition_penalty', 'repetitionPenalty'],
    ['max_new_tokens', 'maxNewTokens'],
  ] as const;
  for (const [key, name] of fields) {
    const value = number(key);
    if (value !== undefined) config[name] = value;
  }
  return config;
}
