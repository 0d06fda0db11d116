import { BackendUsageError } from '@minichat/runtime';

/** Throws a `BackendUsageError` unless `value` is an integer in `[min, max]`. */
export function checkInteger(op: string, field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BackendUsageError(op, field, value, `expected an integer in [${min}, ${max}]`);
  }
}

/** Throws a `BackendUsageError` unless `actual === expected`; `meaning` describes `expected`. */
export function checkEqual(
  op: string,
  field: string,
  actual: number,
  expected: number,
  meaning: string,
): void {
  if (actual !== expected) {
    throw new BackendUsageError(op, field, actual, `expected ${expected} (${meaning})`);
  }
}

/** Throws a `BackendUsageError` unless `value` is a finite number greater than zero. */
export function checkPositive(op: string, field: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new BackendUsageError(op, field, value, 'expected a finite number greater than 0');
  }
}
