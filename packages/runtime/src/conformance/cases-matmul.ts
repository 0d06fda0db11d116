import { describe, test } from 'vitest';
import { floatsToHalves } from '../backend/half.js';
import type { LinearWeightData } from '../backend/interface.js';
import type { Random } from '../random.js';
import { type ConformanceContext, normalArray } from './context.js';
import { type Exl2PlanPart, planExl2Groups, randomExl2Weight } from './random-exl2.js';

interface Exl2Case {
  name: string;
  inFeatures: number;
  outFeatures: number;
  plan: Exl2PlanPart[];
  rows: number[];
  bias?: boolean;
}

const part = (bits: number, proportion: number, groupSize: number): Exl2PlanPart => ({
  bits,
  proportion,
  groupSize,
});

/** One layer per bit width, the mixed recipes exllamav2 0.0.11 picks, MiniChat's shapes and odd sizes. */
const EXL2_CASES: Exl2Case[] = [
  ...[2, 3, 4, 5, 6, 8].map((bits) => ({
    name: `${bits}-bit`,
    inFeatures: 256,
    outFeatures: 96,
    plan: [part(bits, 1, 32)],
    rows: [1, 3],
  })),
  { name: '4-bit g128', inFeatures: 384, outFeatures: 64, plan: [part(4, 1, 128)], rows: [1] },
  {
    name: '4/3-bit 10/90 g128',
    inFeatures: 512,
    outFeatures: 64,
    plan: [part(4, 0.1, 128), part(3, 0.9, 128)],
    rows: [1, 2],
  },
  {
    name: '5/4-bit 10/90 g32',
    inFeatures: 512,
    outFeatures: 64,
    plan: [part(5, 0.1, 32), part(4, 0.9, 32)],
    rows: [1],
  },
  {
    name: '8/4/3-bit 5/10/85',
    inFeatures: 1024,
    outFeatures: 64,
    plan: [part(8, 0.05, 32), part(4, 0.1, 128), part(3, 0.85, 128)],
    rows: [1, 4],
  },
  {
    name: '3/2-bit g64',
    inFeatures: 512,
    outFeatures: 32,
    plan: [part(3, 0.5, 64), part(2, 0.5, 64)],
    rows: [1],
  },
  {
    name: '6/5-bit g128',
    inFeatures: 512,
    outFeatures: 32,
    plan: [part(6, 0.5, 128), part(5, 0.5, 128)],
    rows: [1],
  },
  {
    name: '8/6-bit 15/85 g128',
    inFeatures: 512,
    outFeatures: 32,
    plan: [part(8, 0.15, 128), part(6, 0.85, 128)],
    rows: [1],
  },
  {
    name: '6/4-bit g32',
    inFeatures: 256,
    outFeatures: 32,
    plan: [part(6, 0.5, 32), part(4, 0.5, 32)],
    rows: [2],
  },
  { name: 'with bias', inFeatures: 256, outFeatures: 40, plan: [part(4, 1, 128)], rows: [1, 2], bias: true },
  {
    name: 'odd 172 -> 67 (8/4-bit)',
    inFeatures: 172,
    outFeatures: 67,
    plan: [part(8, 0.07, 32), part(4, 0.93, 128)],
    rows: [1, 3],
  },
  {
    name: 'odd 100 -> 33 (6/2-bit)',
    inFeatures: 100,
    outFeatures: 33,
    plan: [part(6, 0.5, 32), part(2, 0.5, 32)],
    rows: [1],
  },
  { name: 'tiny 3 -> 5 (8-bit)', inFeatures: 3, outFeatures: 5, plan: [part(8, 1, 32)], rows: [1, 2] },
  {
    name: 'MiniChat q_proj 3072 -> 3072',
    inFeatures: 3072,
    outFeatures: 3072,
    plan: [part(5, 0.1, 32), part(4, 0.9, 128)],
    rows: [1, 5],
  },
  {
    name: 'MiniChat gate_proj 3072 -> 8192',
    inFeatures: 3072,
    outFeatures: 8192,
    plan: [part(4, 0.1, 128), part(3, 0.9, 128)],
    rows: [1],
  },
  {
    name: 'MiniChat down_proj 8192 -> 3072',
    inFeatures: 8192,
    outFeatures: 3072,
    plan: [part(8, 0.05, 32), part(4, 0.1, 128), part(3, 0.85, 128)],
    rows: [1, 16],
  },
  {
    name: 'MiniChat lm_head width 128 -> 49216 (8-bit)',
    inFeatures: 128,
    outFeatures: 49216,
    plan: [part(8, 1, 128)],
    rows: [1, 2],
  },
];

interface DenseCase {
  inFeatures: number;
  outFeatures: number;
  dtype: 'f32' | 'f16';
  rows: number[];
}

const DENSE_CASES: DenseCase[] = [
  { inFeatures: 64, outFeatures: 64, dtype: 'f32', rows: [1, 4] },
  { inFeatures: 172, outFeatures: 64, dtype: 'f32', rows: [1, 3] },
  { inFeatures: 64, outFeatures: 172, dtype: 'f16', rows: [1, 3] },
  { inFeatures: 3072, outFeatures: 3072, dtype: 'f32', rows: [1, 4] },
  { inFeatures: 3072, outFeatures: 8192, dtype: 'f16', rows: [1, 2] },
  { inFeatures: 64, outFeatures: 49216, dtype: 'f16', rows: [1] },
  { inFeatures: 33, outFeatures: 7, dtype: 'f32', rows: [1, 2] },
];

function denseWeight(random: Random, { inFeatures, outFeatures, dtype }: DenseCase): LinearWeightData {
  const values = normalArray(random, inFeatures * outFeatures, 1 / Math.sqrt(inFeatures));
  return {
    kind: 'dense',
    name: `dense ${inFeatures}x${outFeatures}`,
    inFeatures,
    outFeatures,
    dtype,
    data: dtype === 'f32' ? values : floatsToHalves(values),
  };
}

/** Dense f32/f16 and EXL2 matmul, for a single row (decode) and several rows (prefill). */
export function describeMatmulConformance(context: ConformanceContext): void {
  const compareMatmul = async (
    label: string,
    weight: LinearWeightData,
    rows: number,
    x: Float32Array,
  ): Promise<void> => {
    await context.compare(label, 'matmul', async (scope) => {
      // One spare row checks that only the first `rows` rows are read and written.
      const input = scope.activation(rows + 1, weight.inFeatures, x);
      const out = scope.activation(rows + 1, weight.outFeatures);
      scope.backend.matmul(input, scope.linear(weight), out, rows);
      return scope.read(out, rows);
    });
  };

  describe('dense matmul', () => {
    for (const denseCase of DENSE_CASES) {
      for (const rows of denseCase.rows) {
        const { inFeatures, outFeatures, dtype } = denseCase;
        test(`${dtype} ${inFeatures} -> ${outFeatures}, ${rows} rows`, async () => {
          const random = context.random(`dense ${dtype} ${inFeatures} ${outFeatures} ${rows}`);
          const weight = denseWeight(random, denseCase);
          await compareMatmul(weight.name, weight, rows, normalArray(random, (rows + 1) * inFeatures));
        });
      }
    }
  });

  describe('exl2 matmul', () => {
    for (const exl2Case of EXL2_CASES) {
      for (const rows of exl2Case.rows) {
        test(`${exl2Case.name}, ${rows} rows`, async () => {
          const random = context.random(`exl2 ${exl2Case.name} ${rows}`);
          const weight = randomExl2Weight(random, {
            name: exl2Case.name,
            inFeatures: exl2Case.inFeatures,
            outFeatures: exl2Case.outFeatures,
            groups: planExl2Groups(exl2Case.inFeatures, exl2Case.plan),
            bias: exl2Case.bias ?? false,
          });
          await compareMatmul(
            exl2Case.name,
            weight,
            rows,
            normalArray(random, (rows + 1) * exl2Case.inFeatures),
          );
        });
      }
    }
  });
}
