import { describe, expect, test } from 'vitest';
import { UsageError } from '../errors.js';
import type { CommandSpec } from './command.js';
import { renderCommandHelp } from './help.js';
import { parseCommandArgs } from './parse.js';

const command: CommandSpec = {
  name: 'demo',
  summary: 'Demo command',
  usage: ['demo FILE [--count N]'],
  description: 'Does nothing.',
  options: {
    count: { type: 'string', short: 'c', valueName: 'N', description: 'How many times.', defaultText: '1' },
    json: { type: 'boolean', description: 'Print JSON.' },
  },
  positionals: { min: 1, max: 1 },
  run: async () => 0,
};

describe('parseCommandArgs', () => {
  test('returns values and positionals', () => {
    const result = parseCommandArgs(command, ['in.txt', '-c', '3', '--json']);

    expect(result).toEqual({
      kind: 'args',
      args: { command: 'demo', values: { quiet: false, count: '3', json: true }, positionals: ['in.txt'] },
    });
  });

  test('recognises help anywhere', () => {
    expect(parseCommandArgs(command, ['--json', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommandArgs(command, ['-h'])).toEqual({ kind: 'help' });
  });

  test('takes a negative number as a value', () => {
    const result = parseCommandArgs(command, ['in.txt', '--count', '-1']);

    expect(result).toEqual({
      kind: 'args',
      args: {
        command: 'demo',
        values: { quiet: false, count: '-1', json: undefined },
        positionals: ['in.txt'],
      },
    });
  });

  test('keeps arguments after -- as positionals', () => {
    const result = parseCommandArgs(command, ['--', '-1']);

    expect(result).toEqual({
      kind: 'args',
      args: {
        command: 'demo',
        values: { quiet: false, count: undefined, json: undefined },
        positionals: ['-1'],
      },
    });
  });

  test('rejects an unknown option', () => {
    expect(() => parseCommandArgs(command, ['in.txt', '--bogus'])).toThrow("Unknown option '--bogus'.");
  });

  test('rejects a missing value', () => {
    expect(() => parseCommandArgs(command, ['in.txt', '--count'])).toThrow(/--count/);
  });

  test('rejects missing and extra positionals', () => {
    expect(() => parseCommandArgs(command, [])).toThrow(
      'Missing argument. Usage: minichat demo FILE [--count N]',
    );
    expect(() => parseCommandArgs(command, ['a', 'b'])).toThrow("Unexpected argument 'b'.");
  });

  test('names the command in usage errors', () => {
    try {
      parseCommandArgs(command, ['--bogus']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).command).toBe('demo');
      expect((error as UsageError).exitCode).toBe(2);
    }
  });
});

test('renderCommandHelp lists options with defaults', () => {
  const help = renderCommandHelp(command);

  expect(help).toContain('Usage: minichat demo FILE [--count N]');
  expect(help).toMatch(/ {2}-c, --count N +How many times\. Default: 1\./);
  expect(help).toContain('  --json');
  expect(help).toContain('  -h, --help');
});
