import { describe, test } from 'vitest';
import { floatsToHalves } from '../backend/half.js';
import { type ConformanceContext, normalArray } from './context.js';

/** embed, rmsNorm, rope, swiglu, add and copyRows on random data of model-like and odd shapes. */
export function describeElementwiseConformance(context: ConformanceContext): void {
  describe('embed', () => {
    const shapes = [
      { vocabSize: 512, dim: 64 },
      { vocabSize: 1000, dim: 3072 },
      { vocabSize: 49216, dim: 48 },
      { vocabSize: 37, dim: 173 },
    ];
    for (const { vocabSize, dim } of shapes) {
      for (const dtype of ['f32', 'f16'] as const) {
        test(`${dtype} table ${vocabSize}x${dim}`, async () => {
          const random = context.random(`embed ${dtype} ${vocabSize} ${dim}`);
          const values = normalArray(random, vocabSize * dim);
          const data = dtype === 'f32' ? values : floatsToHalves(values);
          const tokens = Int32Array.from({ length: 9 }, (_, i) =>
            i === 0 ? vocabSize - 1 : random.nextInt(vocabSize),
          );
          await context.compare('embed', 'elementwise', async (scope) => {
            const table = scope.embedding({ vocabSize, dim, dtype, data });
            const out = scope.activation(tokens.length, dim);
            scope.backend.embed(table, tokens, out);
            return scope.read(out);
          });
        });
      }
    }
  });

  describe('rmsNorm', () => {
    for (const { dim, rows, eps } of [
      { dim: 64, rows: 1, eps: 1e-5 },
      { dim: 3072, rows: 5, eps: 1e-5 },
      { dim: 173, rows: 3, eps: 1e-6 },
    ]) {
      test(`dim ${dim}, ${rows} rows, eps ${eps}`, async () => {
        const random = context.random(`rmsNorm ${dim} ${rows}`);
        const x = normalArray(random, (rows + 2) * dim, 3);
        const weight = normalArray(random, dim);
        await context.compare('rmsNorm to another activation', 'elementwise', async (scope) => {
          const input = scope.activation(rows + 2, dim, x);
          const out = scope.activation(rows + 2, dim);
          scope.backend.rmsNorm(input, scope.vector(weight), eps, out, rows);
          return scope.read(out, rows);
        });
        await context.compare('rmsNorm in place', 'elementwise', async (scope) => {
          const input = scope.activation(rows + 2, dim, x);
          scope.backend.rmsNorm(input, scope.vector(weight), eps, input, rows);
          return scope.read(input);
        });
      });
    }
  });

  describe('rope', () => {
    for (const { numHeads, headDim, rows, startPosition, theta, extraCols } of [
      { numHeads: 8, headDim: 8, rows: 1, startPosition: 0, theta: 10000, extraCols: 0 },
      { numHeads: 4, headDim: 8, rows: 7, startPosition: 37, theta: 10000, extraCols: 0 },
      { numHeads: 24, headDim: 128, rows: 3, startPosition: 4093, theta: 10000, extraCols: 0 },
      { numHeads: 3, headDim: 64, rows: 2, startPosition: 1000, theta: 500000, extraCols: 0 },
      { numHeads: 2, headDim: 6, rows: 5, startPosition: 11, theta: 10000, extraCols: 6 },
    ]) {
      test(`${numHeads} heads of ${headDim}, ${rows} rows at ${startPosition}, theta ${theta}`, async () => {
        const random = context.random(`rope ${numHeads} ${headDim} ${startPosition}`);
        const cols = numHeads * headDim + extraCols;
        const x = normalArray(random, (rows + 1) * cols);
        await context.compare('rope', 'rope', async (scope) => {
          const input = scope.activation(rows + 1, cols, x);
          scope.backend.rope(input, rows, { numHeads, headDim, startPosition, theta });
          return scope.read(input);
        });
      });
    }
  });

  describe('swiglu, add and copyRows', () => {
    for (const { cols, rows } of [
      { cols: 8192, rows: 2 },
      { cols: 172, rows: 5 },
    ]) {
      test(`swiglu ${cols} columns, ${rows} rows`, async () => {
        const random = context.random(`swiglu ${cols}`);
        const gate = normalArray(random, (rows + 1) * cols, 4);
        const up = normalArray(random, (rows + 1) * cols);
        await context.compare('swiglu', 'elementwise', async (scope) => {
          const g = scope.activation(rows + 1, cols, gate);
          const u = scope.activation(rows + 1, cols, up);
          const out = scope.activation(rows + 1, cols);
          scope.backend.swiglu(g, u, out, rows);
          return scope.read(out, rows);
        });
        await context.compare('swiglu into gate', 'elementwise', async (scope) => {
          const g = scope.activation(rows + 1, cols, gate);
          scope.backend.swiglu(g, scope.activation(rows + 1, cols, up), g, rows);
          return scope.read(g);
        });
      });

      test(`add ${cols} columns, ${rows} rows`, async () => {
        const random = context.random(`add ${cols}`);
        const a = normalArray(random, (rows + 1) * cols);
        const b = normalArray(random, (rows + 1) * cols);
        await context.compare('add into a', 'elementwise', async (scope) => {
          const left = scope.activation(rows + 1, cols, a);
          scope.backend.add(left, scope.activation(rows + 1, cols, b), left, rows);
          return scope.read(left);
        });
      });
    }

    test('copyRows between activations', async () => {
      const random = context.random('copyRows');
      const source = normalArray(random, 6 * 67);
      const target = normalArray(random, 4 * 67);
      await context.compare('copyRows', 'elementwise', async (scope) => {
        const src = scope.activation(6, 67, source);
        const dst = scope.activation(4, 67, target);
        scope.backend.copyRows(src, 3, dst, 1, 2);
        scope.backend.copyRows(src, 5, dst, 0, 1);
        return scope.read(dst);
      });
    });
  });
}
