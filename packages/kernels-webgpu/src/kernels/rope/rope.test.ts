import { describe, expect, test } from 'vitest';
import { activationOf, expectCloseTo, useBackend } from '../../test-utils/backend.js';
import { buildRopeTable } from './table.js';

const backend = useBackend();

describe('rope kernel', () => {
  test('table holds cos and sin of position times frequency', () => {
    // headDim 4: frequencies 1 and 10000^-0.5 = 0.01.
    const table = buildRopeTable(3, 4, 10000);
    expect(table[0]).toBeCloseTo(1, 7);
    expect(table[1]).toBeCloseTo(0, 7);
    expect(table[(2 * 2 + 0) * 2]).toBeCloseTo(Math.cos(2), 6);
    expect(table[(2 * 2 + 1) * 2 + 1]).toBeCloseTo(Math.sin(0.02), 6);
  });

  test('rotates halves at their positions', async () => {
    // One head of 4 features: pairs (0, 2) at frequency 1 and (1, 3) at frequency 0.01.
    const x = activationOf(backend(), 2, [1, 0, 0, 1, 1, 0, 0, 1]);
    backend().rope(x, 2, { numHeads: 1, headDim: 4, startPosition: 1, theta: 10000 });
    const result = await backend().readActivation(x, 0, 2);
    // Position 1: (1, 0) -> (cos 1, sin 1); (0, 1) -> (-sin 0.01, cos 0.01). Position 2 likewise.
    const expected = [
      Math.cos(1),
      -Math.sin(0.01),
      Math.sin(1),
      Math.cos(0.01),
      Math.cos(2),
      -Math.sin(0.02),
      Math.sin(2),
      Math.cos(0.02),
    ];
    expectCloseTo(result, expected, 1e-6);
  });

  test('leaves columns past the heads alone', async () => {
    const x = activationOf(backend(), 1, [1, 0, 7]);
    backend().rope(x, 1, { numHeads: 1, headDim: 2, startPosition: 3, theta: 10000 });
    expectCloseTo(await backend().readActivation(x, 0, 1), [Math.cos(3), Math.sin(3), 7], 1e-6);
  });

  test('odd head dimensions are rejected', () => {
    const x = backend().createActivation(1, 6);
    expect(() => backend().rope(x, 1, { numHeads: 2, headDim: 3, startPosition: 0, theta: 10000 })).toThrow(
      /rope params\.headDim \(3\): expected an even number/,
    );
  });
});
