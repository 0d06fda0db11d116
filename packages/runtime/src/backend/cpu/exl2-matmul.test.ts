import { describe, expect, test } from 'vitest';
import { type Exl2PlanPart, planExl2Groups, randomExl2Weight } from '../../conformance/random-exl2.js';
import { createRandom } from '../../random.js';
import { halfToFloat } from '../half.js';
import type { Exl2WeightData } from '../interface.js';
import { createCpuBackend } from './cpu-backend.js';

/**
 * Decodes one weight W[i, n] with the format's per-element formula: stored row k = invperm[i], code at
 * stream bits [j*b, j*b + b) of column n, value (code - 2^(b-1)) * (nibble + 1)^2 * scaleMax / 256.
 */
function naiveWeight(layer: Exl2WeightData, storedRow: number, n: number): number {
  const group = layer.groups.findIndex((g) => storedRow >= g.rowStart && storedRow < g.rowStart + g.rows);
  const { bits, rowStart, qRowStart } = layer.groups[group]!;
  const bit = (storedRow - rowStart) * bits;
  const word = qRowStart + Math.floor(bit / 32);
  const shift = bit % 32;
  const np = layer.paddedOutFeatures;
  let code = Number(BigInt(layer.qWeight[word * np + n]!) >> BigInt(shift));
  if (shift + bits > 32) code += Number(BigInt(layer.qWeight[(word + 1) * np + n]!) << BigInt(32 - shift));
  code %= 2 ** bits;
  const nibble = Math.floor(layer.qScale[group * (np / 8) + Math.floor(n / 8)]! / 16 ** (n % 8)) % 16;
  return ((code - 2 ** (bits - 1)) * (nibble + 1) ** 2 * halfToFloat(layer.qScaleMax[group]!)) / 256;
}

function naiveMatVec(layer: Exl2WeightData, x: Float32Array): Float64Array {
  const y = new Float64Array(layer.outFeatures);
  for (let k = 0; k < layer.inFeatures; k++) {
    const xk = x[layer.perm[k] as number]!;
    for (let n = 0; n < layer.outFeatures; n++) y[n]! += xk * naiveWeight(layer, k, n);
  }
  if (layer.bias !== undefined)
    for (let n = 0; n < layer.outFeatures; n++) y[n]! += halfToFloat(layer.bias[n]!);
  return y;
}

const part = (bits: number, proportion: number, groupSize: number): Exl2PlanPart => ({
  bits,
  proportion,
  groupSize,
});

describe('exl2 matmul against the per-element formula', () => {
  const plans: [string, number, number, Exl2PlanPart[], boolean][] = [
    ...[2, 3, 4, 5, 6, 8].map((bits): [string, number, number, Exl2PlanPart[], boolean] => [
      `${bits}-bit`,
      96,
      40,
      [part(bits, 1, 32)],
      false,
    ]),
    ['8/4/3 mixed', 256, 33, [part(8, 0.05, 32), part(4, 0.1, 64), part(3, 0.85, 128)], true],
    ['6/5 mixed', 160, 8, [part(6, 0.4, 32), part(5, 0.6, 32)], false],
    ['odd 172 inputs, 3-bit tail', 172, 67, [part(8, 0.07, 32), part(3, 0.93, 32)], false],
    ['partial last word, 2-bit', 100, 33, [part(6, 0.5, 32), part(2, 0.5, 32)], false],
    ['partial last word, 5-bit', 70, 9, [part(5, 1, 64)], false],
    ['three 8-bit inputs', 3, 5, [part(8, 1, 32)], true],
  ];
  for (const [name, inFeatures, outFeatures, plan, bias] of plans) {
    test(name, async () => {
      const random = createRandom(inFeatures * 131 + outFeatures);
      const layer = randomExl2Weight(random, {
        name,
        inFeatures,
        outFeatures,
        groups: planExl2Groups(inFeatures, plan),
        bias,
      });
      const backend = createCpuBackend();
      const weight = backend.uploadLinear(layer);
      const rows = 2;
      const x = Float32Array.from({ length: rows * inFeatures }, () => random.nextNormal());
      const input = backend.createActivation(rows, inFeatures);
      backend.writeActivation(input, x);
      const out = backend.createActivation(rows, outFeatures);
      backend.matmul(input, weight, out, rows);
      const actual = await backend.readActivation(out, 0, rows);
      for (let r = 0; r < rows; r++) {
        const expected = naiveMatVec(layer, x.subarray(r * inFeatures, (r + 1) * inFeatures));
        for (let n = 0; n < outFeatures; n++) {
          expect(actual[r * outFeatures + n], `row ${r} column ${n}`).toBeCloseTo(expected[n]!, 4);
        }
      }
    });
  }

  test('plan groups fill whole words', () => {
    const groups = planExl2Groups(172, [part(8, 0.07, 32), part(4, 0.93, 128)]);
    expect(groups).toEqual([
      { bits: 8, rows: 12, rowStart: 0, qRowStart: 0 },
      { bits: 4, rows: 128, rowStart: 12, qRowStart: 3 },
      { bits: 4, rows: 32, rowStart: 140, qRowStart: 19 },
    ]);
  });
});
