import { describe, expect, it } from 'vitest';
import { bytesSource } from '../byte-source.js';
import { InvalidOptionError } from '../errors.js';
import { halfToFloat } from '../half.js';
import { bytesAsTypedArray, openSafetensors } from '../safetensors/reader.js';
import { normalSamples, safetensorsBytes } from '../test-utils/memory.js';
import { readCode, readScaleNibble, unpackGroupCodes } from './codes.js';
import { dequantizeExl2, exl2MatVec } from './dequantize.js';
import { headPlan, planForBits, planGroups } from './plan.js';
import { exl2TensorsToWrite, type QuantizeExl2Options, quantizeExl2 } from './quantize.js';
import { assembleExl2Tensors, type Exl2Tensors } from './tensors.js';

const pairs = (t: { qGroups: Uint16Array }) =>
  Array.from({ length: t.qGroups.length / 2 }, (_, g) => [t.qGroups[2 * g], t.qGroups[2 * g + 1]]);

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

async function writeAndRead(t: Exl2Tensors): Promise<Exl2Tensors> {
  const file = await openSafetensors(bytesSource(await safetensorsBytes(exl2TensorsToWrite(t))));
  const read = async (suffix: string) => {
    const info = file.tensors.get(`${t.name}.${suffix}`)!;
    return { bytes: await file.readTensorBytes(info.name), shape: info.shape };
  };
  const [qWeight, qScale, qScaleMax, qGroups, qInvperm] = await Promise.all(
    ['q_weight', 'q_scale', 'q_scale_max', 'q_groups', 'q_invperm'].map(read),
  );
  return assembleExl2Tensors(
    t.name,
    {
      qWeight: { data: bytesAsTypedArray(qWeight!.bytes, 'U32'), shape: qWeight!.shape },
      qScale: { data: bytesAsTypedArray(qScale!.bytes, 'U32'), shape: qScale!.shape },
      qScaleMax: { data: bytesAsTypedArray(qScaleMax!.bytes, 'F16'), shape: qScaleMax!.shape },
      qGroups: { data: bytesAsTypedArray(qGroups!.bytes, 'U16'), shape: qGroups!.shape },
      qInvperm: { data: bytesAsTypedArray(qInvperm!.bytes, 'U32'), shape: qInvperm!.shape },
    },
    t.outFeatures,
  );
}

/**
 * Checks the codes and scales of `t` against the quantization rule applied by hand to the
 * original weights: scale code round(16·sqrt(base/q_scale_max)) and code round(w/scale) + zero.
 */
function checkAgainstRule(t: Exl2Tensors, weight: Float32Array): void {
  const K = t.inFeatures;
  t.groups.forEach((group, g) => {
    const halfRange = ((1 << group.bits) - 1) / 2;
    const scaleMax = halfToFloat(t.qScaleMax[g]!);
    for (let n = 0; n < t.paddedOutFeatures; n++) {
      let maxAbs = 0;
      if (n < t.outFeatures)
        for (let j = 0; j < group.rows; j++)
          maxAbs = Math.max(maxAbs, Math.abs(weight[n * K + (t.perm[group.rowStart + j] as number)]!));
      const scaleCode = Math.min(
        16,
        Math.max(1, roundHalfEven(16 * Math.sqrt(maxAbs / halfRange / scaleMax))),
      );
      expect(readScaleNibble(t.qScale, t.paddedOutFeatures, g, n)).toBe(scaleCode - 1);
      const scale = (scaleCode * scaleCode * scaleMax) / 256;
      for (let j = 0; j < group.rows; j++) {
        const w = n < t.outFeatures ? weight[n * K + (t.perm[group.rowStart + j] as number)]! : 0;
        const expected = Math.min(
          (1 << group.bits) - 1,
          Math.max(0, roundHalfEven(w / scale) + (1 << (group.bits - 1))),
        );
        if (readCode(t.qWeight, t.paddedOutFeatures, group, j, n) !== expected) {
          expect.fail(
            `group ${g} row ${j} column ${n}: code ${readCode(t.qWeight, t.paddedOutFeatures, group, j, n)}, expected ${expected}`,
          );
        }
      }
    }
  });
}

describe('quantizeExl2 round trips', () => {
  const widths = [2, 3, 4, 5, 6, 8];
  const groupSizes = [32, 64, 128];
  for (const bits of widths) {
    for (const groupSize of groupSizes) {
      it(`${bits}-bit g${groupSize} with padding and permutation`, async () => {
        const K = 256;
        const N = 40;
        const weight = normalSamples(K * N, bits * 1000 + groupSize);
        const options: QuantizeExl2Options = {
          plan: [{ bits, proportion: 1, groupSize }],
          permutation: 'random',
          seed: bits,
          name: 'layer',
        };
        const t = quantizeExl2(weight, N, K, options);
        expect(t.paddedOutFeatures).toBe(64);
        expect(t.groups.length).toBe(K / groupSize);
        checkAgainstRule(t, weight);

        const back = await writeAndRead(t);
        for (let g = 0; g < t.groups.length; g++) {
          expect(unpackGroupCodes(back.qWeight, 64, back.groups[g]!)).toEqual(
            unpackGroupCodes(t.qWeight, 64, t.groups[g]!),
          );
        }
        expect(back.qScale).toEqual(t.qScale);
        expect(back.qScaleMax).toEqual(t.qScaleMax);
        expect(back.perm).toEqual(t.perm);
        expect(dequantizeExl2(back, 'fp16')).toEqual(dequantizeExl2(t, 'fp16'));
      });
    }
  }

  it('splits a mixed 8/4/3 plan as exllamav2 allocates it', async () => {
    const K = 1024;
    const weight = normalSamples(K * 64, 7);
    const plan = [
      { bits: 3, proportion: 0.85, groupSize: 128 },
      { bits: 8, proportion: 0.05, groupSize: 32 },
      { bits: 4, proportion: 0.1, groupSize: 128 },
    ];
    const t = quantizeExl2(weight, 64, K, { plan, permutation: 'act-order-like' });
    // 8-bit: ceil(51.2 / 32) = 2 groups of 32 rows (8 words each); 4-bit: ceil(102.4 / 128) = 1 group
    // (16 words); 3-bit: 832 rows = 6 groups of 128 (12 words each) and one of 64 (6 words).
    expect(pairs(t)).toEqual([
      [8, 0],
      [8, 8],
      [4, 16],
      [3, 32],
      [3, 44],
      [3, 56],
      [3, 68],
      [3, 80],
      [3, 92],
      [3, 104],
    ]);
    expect(t.qWeight.length / 64).toBe(110);
    checkAgainstRule(t, weight);
    const back = await writeAndRead(t);
    expect(back.qWeight).toEqual(t.qWeight);
  });

  it('orders act-order-like rows by descending column norm', () => {
    const weight = new Float32Array(32 * 32);
    for (let n = 0; n < 32; n++)
      for (let i = 0; i < 32; i++) weight[n * 32 + i] = (i % 5) * 0.01 + (i === 17 ? 1 : 0);
    const t = quantizeExl2(weight, 32, 32, {
      plan: [{ bits: 4, proportion: 1, groupSize: 32 }],
      permutation: 'act-order-like',
    });
    expect(t.perm[0]).toBe(17);
    expect(t.qInvperm[17]).toBe(0);
  });

  it('fits K = 172 with a leading 8-bit group', async () => {
    const weight = normalSamples(64 * 172, 3);
    const t = quantizeExl2(weight, 64, 172, { plan: [{ bits: 4, proportion: 1, groupSize: 32 }] });
    expect(pairs(t)).toEqual([
      [8, 0],
      [4, 3],
      [4, 7],
      [4, 11],
      [4, 15],
      [4, 19],
    ]);
    expect(t.groups[0]!.rows).toBe(12);
    checkAgainstRule(t, weight);
    expect((await writeAndRead(t)).qWeight).toEqual(t.qWeight);
  });

  it('builds h8 and h6 heads', () => {
    const hidden = 384;
    const vocab = 100;
    const weight = normalSamples(hidden * vocab, 11);
    const h8 = quantizeExl2(weight, vocab, hidden, { plan: headPlan(8) });
    // h8: ceil(384 / 128) = 3 all-8-bit groups of 128 rows, each 32 q_weight rows.
    expect(pairs(h8)).toEqual([
      [8, 0],
      [8, 32],
      [8, 64],
    ]);
    expect(h8.paddedOutFeatures).toBe(128);
    const h6 = quantizeExl2(weight, vocab, hidden, { plan: headPlan(6) });
    // h6: 8-bit for ceil(57.6 / 128) = 1 group, then 6-bit for the remaining 256 rows (24 words each).
    expect(pairs(h6)).toEqual([
      [8, 0],
      [6, 32],
      [6, 56],
    ]);
    checkAgainstRule(h6, weight);
  });

  it('keeps padded columns at exactly zero', () => {
    const t = quantizeExl2(normalSamples(33 * 64, 5), 33, 64, {
      plan: [{ bits: 3, proportion: 1, groupSize: 64 }],
    });
    expect(t.paddedOutFeatures).toBe(64);
    const codes = unpackGroupCodes(t.qWeight, 64, t.groups[0]!);
    for (let j = 0; j < 64; j++) for (let n = 33; n < 64; n++) expect(codes[j * 64 + n]).toBe(4);
    expect(readScaleNibble(t.qScale, 64, 0, 40)).toBe(0);
  });

  it('approximates the weights within the quantization step', () => {
    const K = 128;
    const N = 32;
    const weight = normalSamples(K * N, 9);
    const t = quantizeExl2(weight, N, K, { plan: [{ bits: 8, proportion: 1, groupSize: 128 }] });
    const decoded = dequantizeExl2(t);
    const scaleMax = halfToFloat(t.qScaleMax[0]!);
    for (let n = 0; n < N; n++) {
      const code = readScaleNibble(t.qScale, 32, 0, n) + 1;
      const scale = (code * code * scaleMax) / 256;
      for (let i = 0; i < K; i++) {
        // Rounding costs at most half a step, a value beyond the largest code (127 steps) is clamped,
        // and the fp32 result adds one rounding of its own.
        const w = weight[n * K + i]!;
        const bound = Math.max(scale / 2, Math.abs(w) - 127 * scale) + Math.abs(w) * 2 ** -22;
        expect(Math.abs(decoded[i * N + n]! - w)).toBeLessThanOrEqual(bound);
      }
    }
    const x = normalSamples(K, 4, 1);
    const y = exl2MatVec(t, x);
    for (let n = 0; n < N; n++) {
      let exact = 0;
      for (let i = 0; i < K; i++) exact += x[i]! * decoded[i * N + n]!;
      expect(y[n]).toBeCloseTo(exact, 5);
    }
  });
});

describe('quantization plans', () => {
  it('rejects unsupported widths, group sizes and proportions', () => {
    expect(() => planGroups(64, [{ bits: 7, proportion: 1, groupSize: 32 }])).toThrow(
      /bit width 7 is not supported/,
    );
    expect(() => planGroups(64, [{ bits: 4, proportion: 1, groupSize: 48 }])).toThrow(
      /group size 48 is not supported/,
    );
    expect(() => planGroups(64, [{ bits: 4, proportion: 1.5, groupSize: 32 }])).toThrow(/proportion 1.5/);
    expect(() => planGroups(66, [{ bits: 4, proportion: 1, groupSize: 32 }])).toThrow(InvalidOptionError);
    expect(() => planGroups(64, [])).toThrow(/plan is empty/);
  });

  it('mixes the two nearest widths for a fractional target', () => {
    expect(planForBits(4.03125)).toEqual([{ bits: 4, proportion: 1, groupSize: 128 }]);
    const plan = planForBits(4.65);
    expect(plan.map((entry) => entry.bits)).toEqual([5, 4]);
    expect(plan[0]!.proportion).toBeCloseTo(0.61875, 10);
    expect(planForBits(2)).toEqual([{ bits: 2, proportion: 1, groupSize: 128 }]);
    expect(planForBits(8.5)).toEqual([{ bits: 8, proportion: 1, groupSize: 128 }]);
    expect(() => planForBits(1.5)).toThrow(
      /bits per weight 1.5 is outside the range EXL2 plans cover \(2 to 8.5\)/,
    );
  });
});
