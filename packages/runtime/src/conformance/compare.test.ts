import { describe, expect, test } from 'vitest';
import { compareOutputs, expectClose } from './compare.js';

describe('compareOutputs', () => {
  const tolerance = { relative: 1e-3, absoluteRms: 1e-4 };

  test('accepts differences inside the tolerance', () => {
    const expected = Float32Array.of(1, -2, 0, 4);
    const actual = Float32Array.of(1.0005, -2.001, 0.0001, 4);
    expect(() => expectClose(actual, expected, tolerance, 'close')).not.toThrow();
  });

  test('names the worst element outside it', () => {
    const expected = Float32Array.of(1, -2, 0, 4);
    const actual = Float32Array.of(1, -2, 0.5, 4);
    const worst = compareOutputs(actual, expected, tolerance);
    expect(worst.index).toBe(2);
    expect(() => expectClose(actual, expected, tolerance, 'far')).toThrow(/far: element 2 is 0\.5,/);
  });

  test('rejects NaN and infinities', () => {
    const expected = Float32Array.of(1, 2);
    expect(() => expectClose(Float32Array.of(1, Number.NaN), expected, tolerance, 'nan')).toThrow(
      /element 1/,
    );
    expect(() =>
      expectClose(Float32Array.of(Number.POSITIVE_INFINITY, 2), expected, tolerance, 'inf'),
    ).toThrow(/element 0/);
  });
});
