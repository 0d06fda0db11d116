import { describe, expect, test } from 'vitest';
import { sampleRow } from '../backend/cpu/sample.js';
import { InvalidOptionError } from '../errors.js';
import { createRandom } from '../random.js';
import { resolveSamplingOptions, type SamplingOptions } from './options.js';
import { createSampler, sampleLogits } from './sampler.js';

/** Logits whose softmax is exactly 0.1, 0.2, 0.3, 0.4 (up to rounding). */
const logits = Float32Array.from([0.1, 0.2, 0.3, 0.4], Math.log);

function draw(
  options: SamplingOptions,
  uniform: number,
  history: number[] = [],
  values: Float32Array = logits,
): number {
  return sampleLogits(values, history, resolveSamplingOptions({ seed: 1, ...options }), uniform).token;
}

describe('sampler warpers', () => {
  test('greedy takes the lowest id of the maximum', () => {
    expect(draw({ temperature: 0 }, 0.99)).toBe(3);
    expect(draw({ temperature: 0 }, 0.5, [], Float32Array.of(1, 5, 5, 2))).toBe(1);
  });

  test('full distribution draws by cumulative probability', () => {
    // Order 3, 2, 1, 0 with cumulative 0.4, 0.7, 0.9, 1.0.
    expect(draw({}, 0)).toBe(3);
    expect(draw({}, 0.45)).toBe(2);
    expect(draw({}, 0.85)).toBe(1);
    expect(draw({}, 0.95)).toBe(0);
  });

  test('temperature flattens the distribution', () => {
    // At temperature 2 the probabilities are proportional to sqrt(p): 0.3254, 0.2818, 0.2301, 0.1627
    // for ids 3, 2, 1, 0, so the cumulative sum before id 0 is 0.8373 < 0.85.
    expect(draw({ temperature: 2 }, 0.85)).toBe(0);
    expect(draw({ temperature: 2 }, 0.8)).toBe(1);
  });

  test('top-k keeps the k most likely', () => {
    // Kept {3, 2} with total 0.7: uniform 0.5 -> threshold 0.35 -> id 3; 0.6 -> 0.42 -> id 2.
    expect(draw({ topK: 2 }, 0.5)).toBe(3);
    expect(draw({ topK: 2 }, 0.6)).toBe(2);
    expect(draw({ topK: 2 }, 0.99)).toBe(2);
  });

  test('top-p keeps the smallest reaching set', () => {
    // 0.4 < 0.5 <= 0.7: kept {3, 2}.
    expect(draw({ topP: 0.5 }, 0.99)).toBe(2);
    // 0.4 alone reaches 0.39: only id 3.
    expect(draw({ topP: 0.39 }, 0.99)).toBe(3);
  });

  test('min-p drops unlikely tokens', () => {
    // Threshold 0.6 * 0.4 = 0.24: kept {3, 2}.
    expect(draw({ minP: 0.6 }, 0.99)).toBe(2);
    // Threshold 0.45 * 0.4 = 0.18: kept {3, 2, 1}.
    expect(draw({ minP: 0.45 }, 0.99)).toBe(1);
  });

  test('typical-p keeps tokens near the entropy', () => {
    // Entropy 1.2799 nats; |-ln p - H| is 1.0227, 0.3295, 0.0759, 0.3636 for ids 0..3, so typicality order
    // is 2, 1, 3, 0 and typicalP 0.45 keeps {2, 1} (0.3 + 0.2). Draw order 2, 1 with total 0.5.
    expect(draw({ typicalP: 0.45 }, 0)).toBe(2);
    expect(draw({ typicalP: 0.45 }, 0.5)).toBe(2);
    expect(draw({ typicalP: 0.45 }, 0.7)).toBe(1);
    expect(draw({ typicalP: 0.45 }, 0.999)).toBe(1);
  });

  test('repetition penalty divides and multiplies', () => {
    const values = Float32Array.of(2, -1, 0.5);
    // Penalty 2: [1, -2, 0.5], id 0 still wins. Penalty 5: [0.4, -5, 0.5], id 2 wins.
    expect(draw({ temperature: 0, repetitionPenalty: 2 }, 0, [0, 1], values)).toBe(0);
    expect(draw({ temperature: 0, repetitionPenalty: 5 }, 0, [0, 1], values)).toBe(2);
  });

  test('presence and frequency penalties subtract', () => {
    const values = Float32Array.of(2, 1.9, 1.2);
    // History [0, 0, 1]: id 0 loses 0.5 + 2 * 0.25 = 1, id 1 loses 0.75, giving [1, 1.15, 1.2].
    const options = { temperature: 0, presencePenalty: 0.5, frequencyPenalty: 0.25 };
    expect(draw(options, 0, [0, 0, 1], values)).toBe(2);
    // A window of 1 covers only id 1: [2, 1.15, 1.2].
    expect(draw({ ...options, penaltyWindow: 1 }, 0, [0, 0, 1], values)).toBe(0);
  });

  test('logit bias bans and forces tokens', () => {
    expect(draw({ temperature: 0, logitBias: { 3: Number.NEGATIVE_INFINITY } }, 0)).toBe(2);
    expect(draw({ temperature: 0, logitBias: new Map([[0, 10]]) }, 0)).toBe(0);
    expect(() =>
      draw({ temperature: 0, logitBias: { 0: -Infinity, 1: -Infinity, 2: -Infinity, 3: -Infinity } }, 0),
    ).toThrow(/at least one token must stay possible/);
  });

  test('logprobs come from the unprocessed distribution', () => {
    const result = sampleLogits(
      logits,
      [],
      resolveSamplingOptions({ temperature: 0, topLogprobs: 2, logitBias: { 0: 50 } }),
      0,
    );
    expect(result.token).toBe(0);
    expect(result.logprob).toBeCloseTo(Math.log(0.1), 6);
    expect(result.topLogprobs?.map((entry) => entry.token)).toEqual([3, 2]);
    expect(result.topLogprobs?.[0]?.logprob).toBeCloseTo(Math.log(0.4), 6);
    expect(result.topLogprobs?.[1]?.logprob).toBeCloseTo(Math.log(0.3), 6);
  });
});

describe('sampler seeds and device parity', () => {
  const randomLogits = (seed: number, size: number): Float32Array => {
    const random = createRandom(seed);
    return Float32Array.from({ length: size }, () => random.nextNormal() * 2);
  };

  test('same seed gives the same tokens', () => {
    const run = (seed: number) => {
      const sampler = createSampler({ seed, temperature: 0.9, topP: 0.95, repetitionPenalty: 1.1 });
      const history: number[] = [];
      for (let step = 0; step < 50; step++)
        history.push(sampler.sample(randomLogits(step, 300), history).token);
      return history;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  test('host pipeline matches the backend draw', () => {
    for (let trial = 0; trial < 40; trial++) {
      const values = randomLogits(1000 + trial, 500);
      const params = {
        temperature: [0, 0.5, 1, 1.7][trial % 4]!,
        topK: [0, 5, 50][trial % 3]!,
        topP: [1, 0.9, 0.5][trial % 3]!,
      };
      const uniform = createRandom(trial).next();
      expect(draw(params, uniform, [], values), `trial ${trial}`).toBe(sampleRow(values, params, uniform));
    }
  });

  test('device params only for plain options', () => {
    expect(createSampler({ temperature: 0.7, topK: 40, topP: 0.9 }).deviceParams).toEqual({
      temperature: 0.7,
      topK: 40,
      topP: 0.9,
    });
    expect(createSampler({ minP: 0.05 }).deviceParams).toBeUndefined();
    expect(createSampler({ logprobs: true }).deviceParams).toBeUndefined();
    expect(createSampler({ logitBias: { 1: 2 } }).deviceParams).toBeUndefined();
  });
});

describe('sampling option checks', () => {
  const cases: [SamplingOptions, RegExp][] = [
    [{ temperature: -0.5 }, /sampling\.temperature = -0\.5/],
    [{ temperature: Number.POSITIVE_INFINITY }, /sampling\.temperature = Infinity/],
    [{ topP: 0 }, /sampling\.topP = 0: expected a number in \(0, 1\]/],
    [{ topP: 1.5 }, /sampling\.topP = 1\.5/],
    [{ topK: 2.5 }, /sampling\.topK = 2\.5/],
    [{ minP: -0.1 }, /sampling\.minP = -0\.1/],
    [{ typicalP: 0 }, /sampling\.typicalP = 0/],
    [{ repetitionPenalty: 0 }, /sampling\.repetitionPenalty = 0/],
    [{ presencePenalty: 3 }, /sampling\.presencePenalty = 3/],
    [{ topLogprobs: 21 }, /sampling\.topLogprobs = 21/],
    [{ logitBias: { 600: 1 } }, /sampling\.logitBias = 600: expected keys that are a token id in \[0, 511\]/],
    [{ logitBias: { 5: Number.NaN } }, /sampling\.logitBias\[5\] = NaN/],
  ];
  for (const [options, message] of cases) {
    test(`rejects ${JSON.stringify(options)}`, () => {
      expect(() => resolveSamplingOptions(options, 512)).toThrow(InvalidOptionError);
      expect(() => resolveSamplingOptions(options, 512)).toThrow(message);
    });
  }
});
