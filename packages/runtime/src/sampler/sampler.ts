import type { DeviceSamplingParams } from '../backend/interface.js';
import { InvalidOptionError } from '../errors.js';
import { createRandom, type Random } from '../random.js';
import { type ResolvedSamplingOptions, resolveSamplingOptions, type SamplingOptions } from './options.js';
import {
  applyMinP,
  applyTopK,
  applyTopP,
  applyTypicalP,
  drawToken,
  softmax,
  sortByProbability,
} from './warpers.js';

/** Log-probability of one token. */
export interface TokenLogprob {
  /** Token id. */
  token: number;
  /** Natural log of its probability under the model's unprocessed distribution. */
  logprob: number;
}

/** A chosen token, with log-probabilities when they were requested. */
export interface SampledToken {
  /** The chosen token id. */
  token: number;
  /** Its log-probability under the model's unprocessed distribution, when `logprobs` or `topLogprobs` is set. */
  logprob?: number;
  /** The most likely alternatives, most likely first, when `topLogprobs` > 0. */
  topLogprobs?: TokenLogprob[];
}

/** A seeded token sampler for one generation. */
export interface Sampler {
  /** The options in force, defaults applied. */
  readonly options: ResolvedSamplingOptions;
  /**
   * The equivalent backend sampling parameters when only temperature, top-k and top-p are in use (no
   * penalties, bias, min-p, typical-p or logprobs), so a backend can draw the token next to the logits.
   */
  readonly deviceParams: DeviceSamplingParams | undefined;
  /** Returns the next uniform number of the seeded sequence; every draw consumes exactly one. */
  nextUniform(): number;
  /**
   * Chooses the next token from one row of logits.
   *
   * @param history - earlier tokens (prompt and output) for the penalties; only the last
   *   `penaltyWindow` are read
   */
  sample(logits: Float32Array, history: readonly number[]): SampledToken;
}

/**
 * Creates a sampler. It applies the logit bias, then repetition, presence and frequency penalties over
 * the last `penaltyWindow` tokens. Unless greedy, it computes `softmax(logits / temperature)` and applies
 * the filters top-k, top-p, typical-p and min-p, which all read that one distribution. The draw takes
 * one seeded uniform number and returns the first kept token, in descending-probability order, whose
 * cumulative probability exceeds `uniform * kept probability`. With temperature 0 the lowest id of the
 * highest processed logit wins. For the same seed this draws exactly what a backend's `sample()` draws.
 *
 * @throws {@link InvalidOptionError} for an invalid option
 */
export function createSampler(options: SamplingOptions = {}, vocabSize?: number): Sampler {
  const resolved = resolveSamplingOptions(options, vocabSize);
  const random: Random = createRandom(resolved.seed);
  const usesHostOnlyFeatures =
    resolved.minP > 0 ||
    resolved.typicalP < 1 ||
    resolved.repetitionPenalty !== 1 ||
    resolved.presencePenalty !== 0 ||
    resolved.frequencyPenalty !== 0 ||
    resolved.logitBias.size > 0 ||
    resolved.logprobs ||
    resolved.topLogprobs > 0;
  const deviceParams = usesHostOnlyFeatures
    ? undefined
    : { temperature: resolved.temperature, topK: resolved.topK, topP: resolved.topP };

  return {
    options: resolved,
    deviceParams,
    nextUniform: () => random.next(),
    sample(logits, history) {
      return sampleLogits(logits, history, resolved, random.next());
    },
  };
}

/** Runs the {@link createSampler} pipeline once with a given uniform number. */
export function sampleLogits(
  logits: Float32Array,
  history: readonly number[],
  options: ResolvedSamplingOptions,
  uniform: number,
): SampledToken {
  const processed = Float64Array.from(logits);
  for (const [id, bias] of options.logitBias) if (id < processed.length) processed[id]! += bias;
  applyPenalties(processed, history, options);

  let token: number;
  if (options.temperature === 0) {
    token = 0;
    for (let id = 1; id < processed.length; id++) if (processed[id]! > processed[token]!) token = id;
    if (processed[token] === Number.NEGATIVE_INFINITY) throwAllBanned();
  } else {
    if (processed.every((logit) => logit === Number.NEGATIVE_INFINITY)) throwAllBanned();
    const probabilities = softmax(processed, options.temperature);
    let kept = sortByProbability(probabilities);
    kept = applyTopK(kept, options.topK);
    kept = applyTopP(kept, probabilities, options.topP);
    kept = applyTypicalP(kept, probabilities, options.typicalP);
    kept = applyMinP(kept, probabilities, options.minP);
    token = drawToken(kept, probabilities, uniform);
  }

  if (!options.logprobs && options.topLogprobs === 0) return { token };
  return { token, ...logprobsOf(logits, token, options.topLogprobs) };
}

/** Applies the repetition (divide or multiply), presence and frequency penalties in place. */
function applyPenalties(
  logits: Float64Array,
  history: readonly number[],
  options: ResolvedSamplingOptions,
): void {
  const { repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow } = options;
  if (penaltyWindow === 0 || (repetitionPenalty === 1 && presencePenalty === 0 && frequencyPenalty === 0))
    return;
  const counts = new Map<number, number>();
  for (const id of history.slice(-penaltyWindow)) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const [id, count] of counts) {
    if (id < 0 || id >= logits.length) continue;
    let logit = logits[id]!;
    logit = logit > 0 ? logit / repetitionPenalty : logit * repetitionPenalty;
    logit -= presencePenalty + frequencyPenalty * count;
    logits[id] = logit;
  }
}

function logprobsOf(logits: Float32Array, token: number, top: number): Omit<SampledToken, 'token'> {
  let max = Number.NEGATIVE_INFINITY;
  for (const logit of logits) if (logit > max) max = logit;
  let sum = 0;
  for (const logit of logits) sum += Math.exp(logit - max);
  const logNormalizer = max + Math.log(sum);
  const result: Omit<SampledToken, 'token'> = { logprob: logits[token]! - logNormalizer };
  if (top > 0) {
    const best: number[] = [];
    for (let id = 0; id < logits.length; id++) {
      if (best.length < top || logits[id]! > logits[best[best.length - 1] as number]!) {
        best.push(id);
        best.sort((a, b) => logits[b]! - logits[a]! || a - b);
        if (best.length > top) best.pop();
      }
    }
    result.topLogprobs = best.map((id) => ({ token: id, logprob: logits[id]! - logNormalizer }));
  }
  return result;
}

function throwAllBanned(): never {
  throw new InvalidOptionError(
    'sampling.logitBias',
    'every token -Infinity',
    'at least one token must stay possible',
  );
}
