import { dequantizeExl2, exl2MatVec, quantizeExl2 } from '@minichat/exl2-format';
import { describe, expect, test } from 'vitest';
import { createCpuBackend } from '../backend/cpu/cpu-backend.js';
import { createRandom } from '../random.js';
import { exl2WeightData } from './weights.js';

// The CPU backend's fused EXL2 matmul against the format package's own dequantizer and matvec, on layers
// that package's quantizer wrote: two independent readers of the same packed bits.
describe('CPU exl2 matmul against exl2-format', () => {
  const plans = [
    ...[2, 3, 4, 5, 6, 8].map((bits) => ({
      name: `${bits}-bit`,
      plan: [{ bits, proportion: 1, groupSize: 32 }],
    })),
    {
      name: '8/4/3 mixed',
      plan: [
        { bits: 8, proportion: 0.05, groupSize: 32 },
        { bits: 4, proportion: 0.1, groupSize: 128 },
        { bits: 3, proportion: 0.85, groupSize: 128 },
      ],
    },
  ];
  for (const { name, plan } of plans) {
    test(name, async () => {
      const random = createRandom(name.length * 977);
      const inFeatures = 256;
      const outFeatures = 72;
      const weight = Float32Array.from(
        { length: outFeatures * inFeatures },
        () => random.nextNormal() * 0.02,
      );
      const tensors = quantizeExl2(weight, outFeatures, inFeatures, {
        plan,
        permutation: 'act-order-like',
        name,
      });
      const x = Float32Array.from({ length: inFeatures }, () => random.nextNormal());

      const backend = createCpuBackend();
      const input = backend.createActivation(1, inFeatures);
      backend.writeActivation(input, x);
      const out = backend.createActivation(1, outFeatures);
      backend.matmul(input, backend.uploadLinear(exl2WeightData(tensors)), out, 1);
      const actual = await backend.readActivation(out, 0, 1);

      const matVec = exl2MatVec(tensors, x);
      const dense = dequantizeExl2(tensors, 'fp32');
      for (let n = 0; n < outFeatures; n++) {
        let dot = 0;
        for (let k = 0; k < inFeatures; k++) dot += x[k]! * dense[k * outFeatures + n]!;
        expect(actual[n], `column ${n} against exl2MatVec`).toBeCloseTo(matVec[n]!, 5);
        expect(actual[n], `column ${n} against dequantizeExl2`).toBeCloseTo(dot, 5);
      }
    });
  }
});
