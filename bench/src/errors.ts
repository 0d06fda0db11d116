/** Base class of every error the bench raises itself; errors of measured packages pass through unchanged. */
export class BenchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An invalid command-line option or option value. */
export class BenchOptionError extends BenchError {
  constructor(
    /** Option name, such as `--runs`. */
    readonly option: string,
    /** The value given. */
    readonly value: unknown,
    message: string,
  ) {
    super(`Invalid ${option} ${JSON.stringify(value)}: ${message}`);
  }
}

/** A GGUF file that cannot be written as requested (bad shape, unknown type, value out of range). */
export class GgufWriteError extends BenchError {
  constructor(
    message: string,
    /** Metadata key or tensor name the error is about. */
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A measurement child process that failed, with its exit status and the end of its error output. */
export class MeasurementError extends BenchError {
  constructor(
    message: string,
    /** Exit code, or undefined when the process was killed by a signal. */
    readonly exitCode: number | undefined,
    /** Last lines of the child's stderr. */
    readonly stderrTail: string,
  ) {
    super(message);
  }
}
