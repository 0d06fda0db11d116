import type { Exl2WeightData } from '@minichat/runtime';
import { createRandom, planExl2Groups, randomExl2Weight } from '@minichat/runtime/conformance';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { describe, expect, test } from 'vitest';
import { GpuLinear } from '../../backend/handles.js';
import { WebGpuCapacityError, WebGpuInvalidArgumentError } from '../../errors.js';
import { activationOf, useBackend } from '../../test-utils/backend.js';
import { packExl2 } from '../../test-utils/exl2-pack.js';
import { blockShape, blockValueExpressions } from './decode.js';
import { exl2SplitCount } from './dispatch.js';
import { prepareExl2 } from './prepare.js';

const backend = useBackend();

/**
 * A worked EXL2 example whose weights a reference decoder computed: K = 64, N = 32, a 4-bit and a 3-bit
 * group of 32 rows. Only the words the example gives are set, and every other word contains zero codes.
 * q_invperm starts [1, 30, 3, 5], stored row 0 contains feature 44 and stored row 33 contains feature 21.
 */
function workedExample(): Exl2WeightData {
  const perm = Array.from({ length: 64 }, () => -1);
  perm[1] = 0;
  perm[30] = 1;
  perm[3] = 2;
  perm[5] = 3;
  perm[0] = 44;
  perm[33] = 21;
  const used = new Set(perm.filter((feature) => feature >= 0));
  const rest = Array.from({ length: 64 }, (_, feature) => feature).filter((feature) => !used.has(feature));
  for (let k = 0; k < 64; k++) if (perm[k] === -1) perm[k] = rest.shift()!;

  const weight = packExl2({
    name: 'worked example',
    inFeatures: 64,
    outFeatures: 32,
    groups: [
      { bits: 4, rows: 32 },
      { bits: 3, rows: 32 },
    ],
    codes: new Array(64 * 32).fill(0),
    scaleNibbles: new Array(2 * 32).fill(0),
    scaleMaxHalves: [0x2014, 0x24c2],
    perm,
  });
  weight.qWeight[0] = 0x6837618f;
  weight.qWeight[4 * 32] = 0xdbd0ccef;
  weight.qScale[0] = 0xdceeccec;
  weight.qScale[4] = 0xedcdcbdd;
  return weight;
}

describe('exl2-matmul kernel', () => {
  test('block shapes of every width', () => {
    expect([8, 6, 5, 4, 3, 2].map(blockShape)).toEqual([
      { words: 1, codes: 4 },
      { words: 3, codes: 16 },
      { words: 5, codes: 32 },
      { words: 1, codes: 8 },
      { words: 3, codes: 32 },
      { words: 1, codes: 16 },
    ]);
  });

  test('3-bit code 10 straddles words 0 and 1', () => {
    expect(blockValueExpressions(3)[10]).toBe('f32(((w0 >> 30u) | (w1 << 2u)) & 7u) - 4.0');
  });

  test('worked example weights', async () => {
    const linear = backend().uploadLinear(workedExample());
    const oneHot = (feature: number) => Array.from({ length: 64 }, (_, i) => (i === feature ? 1 : 0));
    const x = activationOf(backend(), 2, [...oneHot(44), ...oneHot(21)]);
    const out = backend().createActivation(2, 32);
    backend().matmul(x, linear, out, 2);
    const result = await backend().readActivation(out, 0, 2);
    // W[44, 0] = 7 * 13^2 * 0.007965087890625 / 256 and W[21, 0] = 1 * 14^2 * 0.018585205078125 / 256.
    expect(result[0]).toBeCloseTo(0.0368074, 7);
    expect(result[32]).toBeCloseTo(0.0142293, 7);
  });

  test('split-K decode matches the CPU reference', async () => {
    const random = createRandom(21);
    const groups = planExl2Groups(3072, [
      { bits: 8, proportion: 0.05, groupSize: 32 },
      { bits: 3, proportion: 0.95, groupSize: 128 },
    ]);
    const weight = randomExl2Weight(random, {
      name: 'split',
      inFeatures: 3072,
      outFeatures: 64,
      groups,
      bias: true,
    });
    const x = Float32Array.from({ length: 3072 }, () => random.nextNormal());
    const linear = backend().uploadLinear(weight);
    // 2 column blocks want 256 splits; 29 groups over 8 slices allow 3.
    if (!(linear instanceof GpuLinear) || linear.layout.kind !== 'exl2')
      throw new Error('expected an EXL2 layer');
    expect(exl2SplitCount(linear.layout.exl2, 1)).toBe(3);
    expect(exl2SplitCount(linear.layout.exl2, 5)).toBe(1);

    const out = backend().createActivation(1, 64);
    backend().matmul(activationOf(backend(), 1, x), linear, out, 1);
    const actual = await backend().readActivation(out, 0, 1);

    const cpu = createCpuBackend();
    const cpuOut = cpu.createActivation(1, 64);
    const cpuX = cpu.createActivation(1, 3072);
    cpu.writeActivation(cpuX, x);
    cpu.matmul(cpuX, cpu.uploadLinear(weight), cpuOut, 1);
    const expected = await cpu.readActivation(cpuOut, 0, 1);
    cpu.dispose();
    for (let n = 0; n < 64; n++)
      expect(Math.abs(actual[n]! - expected[n]!), `column ${n}`).toBeLessThan(1e-5);
  });

  test('layer split into column slices', async () => {
    const weight = workedExample();
    const host = prepareExl2(weight, 7 * 4 * 32);
    expect(host.parts.map((part) => part.colOffset)).toEqual([0]);
    const outFeatures = 70;
    const wide = packExl2({
      name: 'wide',
      inFeatures: 8,
      outFeatures,
      groups: [{ bits: 8, rows: 8 }],
      codes: Array.from(
        { length: 8 * outFeatures },
        (_, i) => 128 + (i % outFeatures === (i >> 3) % outFeatures ? 1 : 0),
      ),
      scaleNibbles: new Array(96).fill(15),
      scaleMaxHalves: [0x5c00],
      perm: [0, 1, 2, 3, 4, 5, 6, 7],
    });
    // Two word rows of 32 columns fit 256 bytes, so 70 columns take three slices.
    expect(prepareExl2(wide, 256).parts.map((part) => [part.colOffset, part.cols])).toEqual([
      [0, 32],
      [32, 32],
      [64, 6],
    ]);
  });

  test('a slice that cannot fit is a capacity error', () => {
    expect(() => prepareExl2(workedExample(), 100)).toThrow(WebGpuCapacityError);
    expect(() => prepareExl2(workedExample(), 100)).toThrow(/needs 896 B but the device allows 100 B/);
  });

  test('inconsistent groups are rejected', () => {
    const weight = workedExample();
    const badBits = { ...weight, groups: [{ ...weight.groups[0]!, bits: 7 }, weight.groups[1]!] };
    expect(() => prepareExl2(badBits, 2 ** 30)).toThrow(
      /worked example\.groups\[0\]\.bits \(7\): expected one of/,
    );
    const badStart = { ...weight, groups: [weight.groups[0]!, { ...weight.groups[1]!, qRowStart: 5 }] };
    expect(() => prepareExl2(badStart, 2 ** 30)).toThrow(WebGpuInvalidArgumentError);
    expect(() => prepareExl2(badStart, 2 ** 30)).toThrow(/qRowStart \(5\): expected 4/);
  });

  test('arrays of the wrong size are rejected', () => {
    const weight = workedExample();
    expect(() => prepareExl2({ ...weight, qWeight: weight.qWeight.subarray(1) }, 2 ** 30)).toThrow(
      /qWeight\.length \(223\): expected 224/,
    );
    const perm = Uint32Array.from(weight.perm);
    perm[1] = perm[0]!;
    expect(() => prepareExl2({ ...weight, perm }, 2 ** 30)).toThrow(
      /perm\[1\] \(44\): expected a permutation/,
    );
  });
});
