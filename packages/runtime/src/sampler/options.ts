import { InvalidOptionError } from '../errors.js';

/** Sampling settings of one generation. Every field is optional; the defaults sample from the model as is. */
export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keeps only the k most likely tokens; 0 keeps all. Default 0. */
  topK?: number;
  /** Keeps the smallest set of most likely tokens whose probability reaches p, in (0, 1]. Default 1. */
  topP?: number;
  /** Drops tokens less likely than `minP` times the most likely one, in [0, 1]. Default 0. */
  minP?: number;
  /** Locally typical sampling: keeps the most typical tokens until their probability reaches p, in (0, 1]. Default 1. */
  typicalP?: number;
  /** Divides positive and multiplies negative logits of tokens in the penalty window; 1 is off. Default 1. */
  repetitionPenalty?: number;
  /** Subtracted once from the logit of every token in the penalty window, in [-2, 2]. Default 0. */
  presencePenalty?: number;
  /** Subtracted from a token's logit once per occurrence in the penalty window, in [-2, 2]. Default 0. */
  frequencyPenalty?: number;
  /** Number of most recent tokens (prompt and output) the penalties look at. Default 64. */
  penaltyWindow?: number;
  /** Added to the logits of the given token ids before anything else; -Infinity bans a token. Default none. */
  logitBias?: Readonly<Record<number, number>> | ReadonlyMap<number, number>;
  /** Seed of the random draws; the same seed, model and options give the same tokens. Default: random. */
  seed?: number;
  /** Reports the log-probability of each chosen token. Default false. */
  logprobs?: boolean;
  /** Also reports this many most likely alternatives per token, 0 to 20. Default 0. */
  topLogprobs?: number;
}

/** {@link SamplingOptions} with defaults applied and values checked. */
export interface ResolvedSamplingOptions {
  /** See {@link SamplingOptions.temperature}. */
  temperature: number;
  /** See {@link SamplingOptions.topK}. */
  topK: number;
  /** See {@link SamplingOptions.topP}. */
  topP: number;
  /** See {@link SamplingOptions.minP}. */
  minP: number;
  /** See {@link SamplingOptions.typicalP}. */
  typicalP: number;
  /** See {@link SamplingOptions.repetitionPenalty}. */
  repetitionPenalty: number;
  /** See {@link SamplingOptions.presencePenalty}. */
  presencePenalty: number;
  /** See {@link SamplingOptions.frequencyPenalty}. */
  frequencyPenalty: number;
  /** See {@link SamplingOptions.penaltyWindow}. */
  penaltyWindow: number;
  /** Bias per token id; empty when none was given. */
  logitBias: ReadonlyMap<number, number>;
  /** The seed in use, drawn at random when none was given. */
  seed: number;
  /** See {@link SamplingOptions.logprobs}. */
  logprobs: boolean;
  /** See {@link SamplingOptions.topLogprobs}. */
  topLogprobs: number;
}

/** Maximum of {@link SamplingOptions.topLogprobs}, the same limit as the OpenAI API's `top_logprobs`. */
export const MAX_TOP_LOGPROBS = 20;

/**
 * Applies defaults and checks every sampling option.
 *
 * @param vocabSize - when given, logit bias ids must be below it
 * @throws {@link InvalidOptionError} naming the option and the value
 */
export function resolveSamplingOptions(
  options: SamplingOptions = {},
  vocabSize?: number,
): ResolvedSamplingOptions {
  const number = (
    name: keyof SamplingOptions,
    fallback: number,
    valid: (value: number) => boolean,
    requirement: string,
  ): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || Number.isNaN(value) || !valid(value)) {
      throw new InvalidOptionError(`sampling.${name}`, value, requirement);
    }
    return value;
  };
  const integer = (value: number) => Number.isInteger(value);

  const resolved: ResolvedSamplingOptions = {
    temperature: number(
      'temperature',
      1,
      (v) => Number.isFinite(v) && v >= 0,
      'expected a finite number >= 0 (0 is greedy)',
    ),
    topK: number('topK', 0, (v) => integer(v) && v >= 0, 'expected an integer >= 0 (0 keeps all tokens)'),
    topP: number('topP', 1, (v) => v > 0 && v <= 1, 'expected a number in (0, 1]'),
    minP: number('minP', 0, (v) => v >= 0 && v <= 1, 'expected a number in [0, 1]'),
    typicalP: number('typicalP', 1, (v) => v > 0 && v <= 1, 'expected a number in (0, 1]'),
    repetitionPenalty: number(
      'repetitionPenalty',
      1,
      (v) => Number.isFinite(v) && v > 0,
      'expected a finite number > 0 (1 is off)',
    ),
    presencePenalty: number('presencePenalty', 0, (v) => v >= -2 && v <= 2, 'expected a number in [-2, 2]'),
    frequencyPenalty: number('frequencyPenalty', 0, (v) => v >= -2 && v <= 2, 'expected a number in [-2, 2]'),
    penaltyWindow: number('penaltyWindow', 64, (v) => integer(v) && v >= 0, 'expected an integer >= 0'),
    logitBias: resolveLogitBias(options.logitBias, vocabSize),
    seed: number('seed', Math.floor(Math.random() * 2 ** 32), Number.isFinite, 'expected a finite number'),
    logprobs: options.logprobs ?? false,
    topLogprobs: number(
      'topLogprobs',
      0,
      (v) => integer(v) && v >= 0 && v <= MAX_TOP_LOGPROBS,
      `expected an integer in [0, ${MAX_TOP_LOGPROBS}]`,
    ),
  };
  if (typeof resolved.logprobs !== 'boolean') {
    throw new InvalidOptionError('sampling.logprobs', resolved.logprobs, 'expected true or false');
  }
  return resolved;
}

function resolveLogitBias(
  bias: SamplingOptions['logitBias'],
  vocabSize: number | undefined,
): ReadonlyMap<number, number> {
  if (bias === undefined) return new Map();
  const entries: [number, number][] =
    bias instanceof Map
      ? [...bias.entries()]
      : Object.entries(bias).map(([id, value]) => [Number(id), value as number]);
  for (const [id, value] of entries) {
    const idValid = Number.isInteger(id) && id >= 0 && (vocabSize === undefined || id < vocabSize);
    if (!idValid) {
      const range = vocabSize === undefined ? 'a token id >= 0' : `a token id in [0, ${vocabSize - 1}]`;
      throw new InvalidOptionError('sampling.logitBias', id, `expected keys that are ${range}`);
    }
    if (typeof value !== 'number' || Number.isNaN(value) || value === Number.POSITIVE_INFINITY) {
      throw new InvalidOptionError(
        `sampling.logitBias[${id}]`,
        value,
        'expected a finite number or -Infinity',
      );
    }
  }
  return new Map(entries);
}
