import { expect, test } from 'vitest';
import { ExitCode, UsageError } from './errors.js';
import { reportError, toCliError } from './report-error.js';

class Exl2FormatError extends Error {}
class NotFoundError extends Exl2FormatError {}
class ByteSourceError extends Exl2FormatError {
  constructor(
    message: string,
    readonly actual: string,
  ) {
    super(message);
  }
}
class WebGpuCapacityError extends Error {}

test.each([
  [new NotFoundError('Tensor x is missing.'), ExitCode.invalidInput],
  [new ByteSourceError('GET failed', 'HTTP 503'), ExitCode.download],
  [new WebGpuCapacityError('needs 2 GB, adapter allows 1 GB'), ExitCode.outOfMemory],
  [new RangeError('Array buffer allocation failed'), ExitCode.outOfMemory],
  [new TypeError('x is not a function'), ExitCode.failure],
  [new DOMException('Interrupted', 'AbortError'), ExitCode.interrupted],
])('toCliError maps %s', (error, exitCode) => {
  expect(toCliError(error).exitCode).toBe(exitCode);
});

test('reportError prints the message and a help hint', () => {
  const lines: string[] = [];
  const stderr = { write: (text: string) => lines.push(text) } as unknown as NodeJS.WritableStream;

  const code = reportError(new UsageError('Missing required option --prompt.', 'generate'), stderr, {});

  expect(code).toBe(2);
  expect(lines.join('')).toBe(
    "error: Missing required option --prompt.\nRun 'minichat generate --help' for usage.\n",
  );
});
