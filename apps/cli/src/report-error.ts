import { CliError, ExitCode, type ExitCodeValue, InterruptedError, OutOfMemoryError } from './errors.js';

/** Error base classes of the workspace packages whose errors mean "the model or input is invalid". */
const INPUT_ERROR_CLASSES = new Set(['Exl2FormatError', 'TokenizerError', 'ChatTemplateError']);

/** Names of the classes in the prototype chain of `error`, most derived first. */
function classNames(error: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** Returns whether `error` reports exhausted host or GPU memory. */
function isOutOfMemory(error: Error, names: readonly string[]): boolean {
  if (names.some((name) => /OutOfMemory/i.test(name))) return true;
  // V8 raises a RangeError when an ArrayBuffer or typed array cannot be allocated.
  return (
    error instanceof RangeError &&
    /allocation failed|Array buffer allocation|Invalid typed array length/i.test(error.message)
  );
}

/**
 * Converts any thrown value into the {@link CliError} the CLI reports: its own errors pass through,
 * errors of the workspace packages keep their message and get an exit code by class.
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof Error)) return new CliError(`Unexpected error: ${String(error)}`, ExitCode.failure);
  if (error.name === 'AbortError') return new InterruptedError();
  const names = classNames(error);
  if (isOutOfMemory(error, names)) {
    return new OutOfMemoryError(
      `Out of memory: ${error.message}. Try a smaller model or --context, or another --backend.`,
      { cause: error },
    );
  }
  let exitCode: ExitCodeValue = ExitCode.failure;
  if (names.some((name) => INPUT_ERROR_CLASSES.has(name))) exitCode = ExitCode.invalidInput;
  const wrapped = new CliError(error.message, exitCode, { cause: error });
  wrapped.stack = error.stack;
  return wrapped;
}

/**
 * Writes `error` to stderr as `error: message`, with a pointer to the command's help for usage
 * errors and the stack when `MINICHAT_DEBUG` is set. Returns the exit code.
 */
export function reportError(
  error: unknown,
  stderr: NodeJS.WritableStream,
  env: Readonly<Record<string, string | undefined>>,
  command?: string,
): ExitCodeValue {
  const cliError = toCliError(error);
  stderr.write(`error: ${cliError.message}\n`);
  if (cliError.exitCode === ExitCode.usage) {
    stderr.write(`Run 'minichat ${command === undefined ? '' : `${command} `}--help' for usage.\n`);
  }
  if (cliError.exitCode === ExitCode.failure && env.MINICHAT_DEBUG === undefined) {
    stderr.write('Set MINICHAT_DEBUG=1 to print the stack trace.\n');
  }
  if (env.MINICHAT_DEBUG !== undefined) {
    const original = cliError.cause instanceof Error ? cliError.cause : cliError;
    stderr.write(`${original.stack ?? ''}\n`);
  }
  return cliError.exitCode;
}
