import { expect } from 'vitest';
import type { Tolerance } from './tolerances.js';

/** Result of {@link compareOutputs}: the element furthest outside (or closest to) its allowed error. */
export interface Comparison {
  /** Index of the worst element. */
  index: number;
  /** Backend value there. */
  actual: number;
  /** Reference value there. */
  expected: number;
  /** `|actual - expected|` there (Infinity for a non-finite mismatch). */
  error: number;
  /** Allowed error there. */
  allowed: number;
}

/** Finds the element with the largest ratio of error to allowed error. */
export function compareOutputs(
  actual: Float32Array,
  expected: Float32Array,
  tolerance: Tolerance,
): Comparison {
  let sumOfSquares = 0;
  for (const value of expected) sumOfSquares += value * value;
  const rms = Math.sqrt(sumOfSquares / Math.max(1, expected.length));
  let worst: Comparison = { index: -1, actual: 0, expected: 0, error: 0, allowed: 0 };
  let worstRatio = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const allowed = tolerance.relative * Math.abs(e) + tolerance.absoluteRms * rms;
    const error = Number.isFinite(a) || a !== e ? Math.abs(a - e) : 0;
    const ratio = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error / (allowed || Number.MIN_VALUE);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = {
        index: i,
        actual: a,
        expected: e,
        error: Number.isNaN(error) ? Number.POSITIVE_INFINITY : error,
        allowed,
      };
    }
  }
  return worst;
}

/** Asserts that `actual` matches `expected` within `tolerance`, naming the worst element on failure. */
export function expectClose(
  actual: Float32Array,
  expected: Float32Array,
  tolerance: Tolerance,
  label: string,
): void {
  expect(actual.length, `${label}: output length`).toBe(expected.length);
  const worst = compareOutputs(actual, expected, tolerance);
  const message =
    `${label}: element ${worst.index} is ${worst.actual}, reference ${worst.expected} ` +
    `(error ${worst.error.toExponential(3)}, allowed ${worst.allowed.toExponential(3)})`;
  expect(worst.error, message).toBeLessThanOrEqual(worst.allowed);
}
