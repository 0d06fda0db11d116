import {
  CliError,
  ExitCode,
  type ExitCodeValue,
  InterruptedError,
  OutOfMemoryError,
  UsageError,
} from './errors.js';

/**
 * Exit codes for error classes of the workspace packages, by class name, so the CLI need not load
 * every package to classify an error. The first class in the prototype chain with an entry wins.
 */
const EXIT_CODE_BY_CLASS: ReadonlyMap<string, ExitCodeValue> = new Map<string, ExitCodeValue>([
  // The prompt does not fit --context, or a sampling value is out of range: the command line can fix it.
  ['ContextLengthError', ExitCode.usage],
  ['InvalidOptionError', ExitCode.usage],
  ['WasmBackendOptionError', ExitCode.usage],
  ['WebGpuUnavailableError', ExitCode.backendUnavailable],
  ['WasmModuleLoadError', ExitCode.backendUnavailable],
  ['UnavailableModeError', ExitCode.backendUnavailable],
  ['TextureLimitError', ExitCode.outOfMemory],
  ['WebGpuCapacityError', ExitCode.outOfMemory],
  ['WasmMemoryLimitError', ExitCode.outOfMemory],
  ['Exl2FormatError', ExitCode.invalidInput],
  ['TokenizerError', ExitCode.invalidInput],
  ['ChatTemplateError', ExitCode.invalidInput],
  ['UnsupportedModelError', ExitCode.invalidInput],
  ['WeightShapeError', ExitCode.invalidInput],
]);

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

/** Returns the exit code for a workspace package error, from the first known class in its chain. */
function exitCodeOfClass(names: readonly string[]): ExitCodeValue | undefined {
  const known = names.find((name) => EXIT_CODE_BY_CLASS.has(name));
  return known === undefined ? undefined : EXIT_CODE_BY_CLASS.get(known);
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
  let exitCode = exitCodeOfClass(names) ?? ExitCode.failure;
  if (isOutOfMemory(error, names)) exitCode = ExitCode.outOfMemory;
  // A model read over HTTP that fails with a status is a download failure, not a malformed file.
  const actual = (error as { actual?: unknown }).actual;
  if (names.includes('ByteSourceError') && typeof actual === 'string' && actual.startsWith('HTTP')) {
    exitCode = ExitCode.download;
  }

  if (exitCode === ExitCode.outOfMemory) {
    return new OutOfMemoryError(
      `Out of memory: ${error.message} Try a smaller model, a smaller --context or another --backend.`,
      { cause: error },
    );
  }
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
    const helpCommand = (cliError instanceof UsageError ? cliError.command : undefined) ?? command;
    stderr.write(`Run 'minichat ${helpCommand === undefined ? '' : `${helpCommand} `}--help' for usage.\n`);
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
