import { describe, test } from 'vitest';
import type { StorageDType } from '../backend/interface.js';
import { type ConformanceContext, normalArray } from './context.js';

interface AttentionCase {
  name: string;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  maxSequenceLength: number;
  /** Rows of each successive call; each call starts where the previous one ended. */
  calls: number[];
}

const ATTENTION_CASES: AttentionCase[] = [
  {
    name: 'stories260K 8/4 heads of 8',
    numHeads: 8,
    numKvHeads: 4,
    headDim: 8,
    maxSequenceLength: 64,
    calls: [7, 1, 1, 5],
  },
  {
    name: 'MiniChat 24/24 heads of 128',
    numHeads: 24,
    numKvHeads: 24,
    headDim: 128,
    maxSequenceLength: 32,
    calls: [6, 1, 1],
  },
  {
    name: 'GQA 32/8 heads of 64',
    numHeads: 32,
    numKvHeads: 8,
    headDim: 64,
    maxSequenceLength: 16,
    calls: [3, 1, 2],
  },
  {
    name: 'odd 6/2 heads of 10',
    numHeads: 6,
    numKvHeads: 2,
    headDim: 10,
    maxSequenceLength: 16,
    calls: [4, 1],
  },
  {
    name: 'long 2/1 heads of 16',
    numHeads: 2,
    numKvHeads: 1,
    headDim: 16,
    maxSequenceLength: 1100,
    calls: [256, 256, 256, 256, 1, 3],
  },
];

/** Attention with GQA over a cache filled by successive prefill chunks and decode steps. */
export function describeAttentionConformance(context: ConformanceContext): void {
  describe('attention', () => {
    for (const attentionCase of ATTENTION_CASES) {
      for (const dtype of ['f32', 'f16'] as StorageDType[]) {
        test(`${attentionCase.name}, ${dtype} cache, calls of ${attentionCase.calls.join('+')} rows`, async () => {
          const { numHeads, numKvHeads, headDim, maxSequenceLength, calls } = attentionCase;
          const random = context.random(`attention ${attentionCase.name} ${dtype}`);
          const qCols = numHeads * headDim;
          const kvCols = numKvHeads * headDim;
          const inputs = calls.map((rows) => ({
            rows,
            q: normalArray(random, rows * qCols),
            k: normalArray(random, rows * kvCols),
            v: normalArray(random, rows * kvCols),
          }));

          await context.compare(`attention ${attentionCase.name}`, 'attention', async (scope) => {
            const cache = scope.kvCache({ numLayers: 2, maxSequenceLength, numKvHeads, headDim, dtype });
            const outputs: Float32Array[] = [];
            let startPosition = 0;
            for (const { rows, q, k, v } of inputs) {
              const out = scope.activation(rows, qCols);
              const params = { layer: 1, startPosition, numHeads, numKvHeads, headDim };
              scope.backend.attention(
                scope.activation(rows, qCols, q),
                scope.activation(rows, kvCols, k),
                scope.activation(rows, kvCols, v),
                cache,
                rows,
                params,
                out,
              );
              outputs.push(await scope.read(out));
              startPosition += rows;
            }
            return concatenate(outputs);
          });
        });
      }
    }
  });
}

function concatenate(arrays: Float32Array[]): Float32Array {
  const result = new Float32Array(arrays.reduce((sum, array) => sum + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    result.set(array, offset);
    offset += array.length;
  }
  return result;
}
