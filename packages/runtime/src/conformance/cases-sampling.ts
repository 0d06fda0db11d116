import { describe, expect, test } from 'vitest';
import { sampleRow } from '../backend/cpu/sample.js';
import type { DeviceSamplingParams } from '../backend/interface.js';
import type { Random } from '../random.js';
import { type ConformanceContext, normalArray } from './context.js';
import { withScope } from './scope.js';

interface Distribution {
  name: string;
  logits(random: Random): Float32Array;
}

const DISTRIBUTIONS: Distribution[] = [
  {
    name: 'peaked over 512',
    logits: (random) => {
      const logits = normalArray(random, 512);
      logits[300] = 12;
      return logits;
    },
  },
  { name: 'flat over 1000 (all ties)', logits: () => new Float32Array(1000) },
  { name: 'normal x3 over 49216', logits: (random) => normalArray(random, 49216, 3) },
  {
    name: 'three values over 2000 (many ties)',
    logits: (random) => Float32Array.from({ length: 2000 }, () => random.nextInt(3)),
  },
  { name: 'large magnitudes over 4096', logits: (random) => normalArray(random, 4096, 40) },
];

const PARAMS: DeviceSamplingParams[] = [
  { temperature: 0, topK: 0, topP: 1 },
  { temperature: 0.7, topK: 0, topP: 1 },
  { temperature: 1, topK: 40, topP: 1 },
  { temperature: 1.2, topK: 0, topP: 0.9 },
  { temperature: 1, topK: 1, topP: 1 },
  { temperature: 0.5, topK: 0, topP: 0.01 },
  { temperature: 2, topK: 100, topP: 0.95 },
];

/** Distance in uniform and top-p units that a draw must keep from a decision boundary to be compared. */
const BOUNDARY_MARGIN = 1e-4;

/**
 * Tells whether the reference draw stays the same when `uniform` and `topP` move by the margin, so that
 * f32 rounding in a backend cannot legitimately pick the neighbouring token.
 */
function isStableDraw(logits: Float32Array, params: DeviceSamplingParams, uniform: number): boolean {
  const token = sampleRow(logits, params, uniform);
  const nearbyUniforms = [
    Math.max(0, uniform - BOUNDARY_MARGIN),
    Math.min(0.999999, uniform + BOUNDARY_MARGIN),
  ];
  const nearbyTopP = [params.topP - BOUNDARY_MARGIN, Math.min(1, params.topP + BOUNDARY_MARGIN)];
  return (
    nearbyUniforms.every((u) => sampleRow(logits, params, u) === token) &&
    nearbyTopP.every((topP) => sampleRow(logits, { ...params, topP }, uniform) === token)
  );
}

/** Device sampling: the backend must draw the same token as the reference for the same uniform number. */
export function describeSamplingConformance(context: ConformanceContext): void {
  describe('sample', () => {
    for (const distribution of DISTRIBUTIONS) {
      test(distribution.name, async () => {
        const random = context.random(`sample ${distribution.name}`);
        const logits = distribution.logits(random);
        const vocabSize = logits.length;
        const rows = new Float32Array(3 * vocabSize);
        rows.set(normalArray(random, vocabSize), 0);
        rows.set(logits, vocabSize);
        rows.set(normalArray(random, vocabSize), 2 * vocabSize);

        const draws: { params: DeviceSamplingParams; uniform: number; expected: number }[] = [];
        for (const params of PARAMS) {
          let found = 0;
          for (let attempt = 0; attempt < 20 && found < 3; attempt++) {
            const uniform = attempt === 0 ? 0 : random.next();
            if (!isStableDraw(logits, params, uniform)) continue;
            draws.push({ params, uniform, expected: sampleRow(logits, params, uniform) });
            found++;
          }
        }

        await withScope(context.backend(), async (scope) => {
          const activation = scope.activation(3, vocabSize, rows);
          for (const { params, uniform, expected } of draws) {
            const token = await scope.backend.sample(activation, 1, params, uniform);
            expect(token, `sample(${JSON.stringify(params)}, uniform ${uniform})`).toBe(expected);
          }
        });
      });
    }
  });
}
