/**
 * Exit codes of the `minichat` command. Scripts can rely on them: they are part of the CLI contract
 * and documented in the README.
 */
export const ExitCode = {
  /** The command finished. */
  ok: 0,
  /** An unexpected error: a bug, or a failure no other code describes. */
  failure: 1,
  /** Invalid command line: unknown command or option, missing or malformed value. */
  usage: 2,
  /** The model or an input file is missing or invalid (not found, unreadable, malformed). */
  invalidInput: 3,
  /** A download failed: network error or an HTTP status other than success. */
  download: 4,
  /** A downloaded file does not match the size or checksum the hub lists. */
  integrity: 5,
  /** The requested backend cannot run here (for example no WebGPU adapter). */
  backendUnavailable: 6,
  /** The model does not fit in host or GPU memory. */
  outOfMemory: 7,
  /** Interrupted by SIGINT (Ctrl-C) or SIGTERM, following the shell's 128 + signal convention. */
  interrupted: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Options shared by every {@link CliError}. */
export interface CliErrorOptions {
  /** Lower-level error that caused this one. */
  cause?: unknown;
}

/**
 * Base class of the errors the CLI raises itself. The message is printed as it is, so it names the
 * value that failed and tells the user what to do next. `exitCode` is the process exit code.
 */
export class CliError extends Error {
  /** Process exit code for this error. */
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** An invalid command line. `command` names the subcommand whose help the user should read. */
export class UsageError extends CliError {
  /** Subcommand the arguments were for, when one was recognised. */
  readonly command: string | undefined;

  constructor(message: string, command?: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.usage, options);
    this.command = command;
  }
}

/** A model or input path that does not exist or is not what the command needs. */
export class InputNotFoundError extends CliError {
  /** The path, repo id or URL as the user gave it. */
  readonly input: string;

  constructor(message: string, input: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.invalidInput, options);
    this.input = input;
  }
}

/** A failed HTTP request to the hub or a model URL. */
export class DownloadError extends CliError {
  /** URL of the failed request. */
  readonly url: string;
  /** HTTP status code, or `undefined` when no response arrived. */
  readonly status: number | undefined;

  constructor(message: string, url: string, status: number | undefined, options: CliErrorOptions = {}) {
    super(message, ExitCode.download, options);
    this.url = url;
    this.status = status;
  }
}

/** A downloaded file whose size or checksum differs from the hub's file metadata. */
export class IntegrityError extends CliError {
  /** Path of the file inside the repository. */
  readonly file: string;
  /** Value the hub lists (size in bytes or hex digest). */
  readonly expected: string;
  /** Value of the downloaded bytes. */
  readonly actual: string;

  constructor(message: string, details: { file: string; expected: string; actual: string }) {
    super(message, ExitCode.integrity);
    this.file = details.file;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** A backend that cannot run on this machine or in this build. */
export class BackendUnavailableError extends CliError {
  /** Backend name as requested. */
  readonly backend: string;

  constructor(message: string, backend: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.backendUnavailable, options);
    this.backend = backend;
  }
}

/** A model that does not fit in host or device memory. */
export class OutOfMemoryError extends CliError {
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.outOfMemory, options);
  }
}

/** The user interrupted the command with Ctrl-C or the process received SIGTERM. */
export class InterruptedError extends CliError {
  constructor(message = 'Interrupted.') {
    super(message, ExitCode.interrupted);
  }
}
