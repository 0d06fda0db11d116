import type { Summary } from '../stats.js';

/** Formats a number with `digits` decimals, or a dash when it is missing. */
export function number(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Formats a summary as `median (min–max)` after scaling by `scale`. */
export function summary(value: Summary | undefined, digits = 2, scale = 1): string {
  if (!value) return '–';
  const median = number(value.median * scale, digits);
  if (value.count === 1) return median;
  return `${median} (${number(value.min * scale, digits)}–${number(value.max * scale, digits)})`;
}
