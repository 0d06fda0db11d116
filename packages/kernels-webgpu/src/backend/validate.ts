import { WebGpuInvalidArgumentError } from '../errors.js';

/** Throws unless `value` is an integer in `[min, max]`. */
export function checkInteger(op: string, name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WebGpuInvalidArgumentError(`${op} ${name}`, value, `expected an integer from ${min} to ${max}`);
  }
}

/** Throws unless `actual === expected`; `what` names the expected quantity. */
export function checkEqual(op: string, name: string, actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new WebGpuInvalidArgumentError(`${op} ${name}`, actual, `expected ${expected} (${what})`);
  }
}

/** Throws unless `value` is a finite number greater than 0. */
export function checkPositive(op: string, name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new WebGpuInvalidArgumentError(`${op} ${name}`, value, 'expected a finite number greater than 0');
  }
}
