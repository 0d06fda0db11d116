import { createCpuBackend } from '@minichat/runtime/cpu';
import { describe, expect, test } from 'vitest';
import { activationOf, useBackend } from '../../test-utils/backend.js';
import { TestRandom } from '../../test-utils/random.js';
import { selectFromHead, sortRow } from './select.js';

const backend = useBackend();

// Logits [2, 1, 0] at temperature 1: probabilities e^2, e, 1 over their sum = 0.6652410, 0.2447285, 0.0900306.
const HEAD = sortRow(Float32Array.from([1, 2, 0]), 1);

describe('sampling', () => {
  test('host rule on a hand distribution', () => {
    const params = { temperature: 1, topK: 2, topP: 1 };
    // Kept mass 0.9099694; u = 0.5 gives threshold 0.4549847 < 0.6652410, so token 1 (logit 2).
    expect(selectFromHead(HEAD, params, 0.5)).toBe(1);
    // u = 0.9 gives threshold 0.8189725, reached only with the second token (cumulative 0.9099694).
    expect(selectFromHead(HEAD, params, 0.9)).toBe(0);
    // top-p 0.6 keeps only the most likely token.
    expect(selectFromHead(HEAD, { temperature: 1, topK: 0, topP: 0.6 }, 0.99)).toBe(1);
  });

  test('host rule reports a head too short to decide', () => {
    const partial = { ...HEAD, candidates: HEAD.candidates.slice(0, 1) };
    expect(selectFromHead(partial, { temperature: 1, topK: 0, topP: 0.9 }, 0.5)).toBeUndefined();
    expect(selectFromHead(partial, { temperature: 1, topK: 0, topP: 1 }, 0.1)).toBe(1);
  });

  test('greedy picks the lowest id among tied maxima', async () => {
    const logits = activationOf(backend(), 2, [0, 3, 1, 3, 9, 9, 9, 9]);
    expect(await backend().sample(logits, 0, { temperature: 0, topK: 0, topP: 1 }, 0.5)).toBe(1);
    expect(await backend().sample(logits, 1, { temperature: 0, topK: 0, topP: 1 }, 0.5)).toBe(0);
  });

  test('device draws match the CPU reference', async () => {
    const random = new TestRandom(3);
    const cpu = createCpuBackend();
    const vocab = 5000;
    const values = random.floats(vocab, 6);
    const gpuLogits = activationOf(backend(), 1, values);
    const cpuLogits = cpu.createActivation(1, vocab);
    cpu.writeActivation(cpuLogits, values);
    const settings = [
      { temperature: 0.7, topK: 40, topP: 1 },
      { temperature: 1, topK: 0, topP: 0.9 },
      // Every token kept: most draws need the whole row (the fallback path).
      { temperature: 3, topK: 0, topP: 1 },
    ];
    for (const params of settings) {
      for (const uniform of [0, 0.3, 0.999]) {
        const expected = await cpu.sample(cpuLogits, 0, params, uniform);
        expect(
          await backend().sample(gpuLogits, 0, params, uniform),
          JSON.stringify({ params, uniform }),
        ).toBe(expected);
      }
    }
    cpu.dispose();
  });

  test('invalid settings are rejected', async () => {
    const logits = activationOf(backend(), 1, [0, 1]);
    await expect(backend().sample(logits, 0, { temperature: 1, topK: 0, topP: 0 }, 0.5)).rejects.toThrow(
      /sample params\.topP \(0\): expected a number in \(0, 1\]/,
    );
  });
});
