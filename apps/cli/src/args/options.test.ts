import { describe, expect, test } from 'vitest';
import { UsageError } from '../errors.js';
import { choiceOption, numberOption, type ParsedArgs, requiredStringOption } from './options.js';

function args(values: Record<string, string | boolean | undefined>): ParsedArgs {
  return { command: 'generate', values, positionals: [] };
}

describe('numberOption', () => {
  test('parses values in range', () => {
    expect(numberOption(args({ t: '0.7' }), 't', { min: 0 })).toBe(0.7);
    expect(numberOption(args({ n: '200' }), 'n', { min: 0, integer: true })).toBe(200);
    expect(numberOption(args({}), 'n')).toBeUndefined();
  });

  test.each([
    ['abc', { min: 0 }, /Invalid value for --x: 'abc'\. Expected a number >= 0\./],
    ['', {}, /Invalid value for --x: ''\. Expected a number\./],
    ['12abc', {}, /'12abc'/],
    ['-1', { min: 0 }, /Expected a number >= 0/],
    ['1.5', { integer: true }, /Expected an integer/],
    ['0', { min: 0, exclusiveMin: true, max: 1 }, /Expected a number > 0 and <= 1/],
    ['1.01', { min: 0, exclusiveMin: true, max: 1 }, /Expected a number > 0 and <= 1/],
    ['Infinity', {}, /Expected a number/],
  ])('rejects %j', (text, bounds, message) => {
    expect(() => numberOption(args({ x: text }), 'x', bounds)).toThrow(message);
    expect(() => numberOption(args({ x: text }), 'x', bounds)).toThrow(UsageError);
  });
});

describe('choiceOption', () => {
  test('lists the valid values', () => {
    expect(() => choiceOption(args({ backend: 'cuda' }), 'backend', ['cpu', 'webgpu'])).toThrow(
      "Invalid value for --backend: 'cuda'. Valid values: cpu, webgpu.",
    );
    expect(choiceOption(args({ backend: 'cpu' }), 'backend', ['cpu', 'webgpu'])).toBe('cpu');
  });
});

test('requiredStringOption names the option', () => {
  expect(() => requiredStringOption(args({}), 'prompt')).toThrow('Missing required option --prompt.');
});
