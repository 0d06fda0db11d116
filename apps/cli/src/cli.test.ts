import { describe, expect, test } from 'vitest';
import { commands } from './commands/index.js';
import { runCliProcess } from './test-utils/run-cli.js';

/** Escapes `text` for use inside a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('minichat CLI', () => {
  test('--help lists every command', async () => {
    const run = await runCliProcess(['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^minichat \d+\.\d+\.\d+: /);
    for (const command of commands) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${command.name} +${escapeRegExp(command.summary)}$`, 'm'));
    }
  });

  test('no arguments prints help to stderr', async () => {
    const run = await runCliProcess([]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: minichat COMMAND [options]');
  });

  test('every command has --help', async () => {
    for (const command of commands) {
      const run = await runCliProcess([command.name, '--help']);

      expect(run.code, command.name).toBe(0);
      expect(run.stdout, command.name).toContain(`Usage: minichat ${command.name}`);
      expect(run.stdout, command.name).toContain('  -h, --help');
      for (const option of Object.keys(command.options)) {
        expect(run.stdout, `${command.name} --${option}`).toContain(`--${option}`);
      }
    }
  });

  test('help COMMAND equals COMMAND --help', async () => {
    const viaHelp = await runCliProcess(['help', 'pull']);
    const viaFlag = await runCliProcess(['pull', '--help']);

    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  test('unknown command exits 2', async () => {
    const run = await runCliProcess(['frobnicate']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: Unknown command 'frobnicate'. Commands: ${commands.map((c) => c.name).join(', ')}.`,
    );
  });

  test('unknown option points at help', async () => {
    const run = await runCliProcess(['inspect', 'x', '--bogus']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: Unknown option '--bogus'.");
    expect(run.stderr).toContain("Run 'minichat inspect --help' for usage.");
  });

  test('negative temperature is a usage error', async () => {
    const run = await runCliProcess([
      'generate',
      '--model',
      './no-such-model-dir',
      '--prompt',
      'hi',
      '--temperature',
      '-1',
    ]);

    // The value is checked before the model is looked up, so the missing model does not matter.
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*--temperature/);
  });

  test('--version prints the version', async () => {
    const run = await runCliProcess(['--version']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('missing model exits 3', async () => {
    const run = await runCliProcess(['inspect', './no-such-model-dir']);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: Model '\.\/no-such-model-dir' not found: there is no directory /);
  });
});
