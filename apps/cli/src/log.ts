import { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress.js';

/** Progress and log output of a command. Everything goes to stderr, so stdout holds only results. */
export interface Logger {
  /** Whether informational lines and progress bars are suppressed (`--quiet`). */
  readonly quiet: boolean;
  /** Writes an informational line, unless quiet. */
  info(message: string): void;
  /** Writes a warning line, even when quiet. */
  warn(message: string): void;
  /** Starts a progress bar; when quiet it draws nothing. */
  progress(options: ProgressBarOptions): ProgressBar;
}

/** A stream that discards everything, for progress bars when quiet. */
const discard: ProgressStream = { write: () => true, isTTY: false };

/** Creates a {@link Logger} that writes to `stream`. */
export function createLogger(stream: ProgressStream, options: { quiet?: boolean } = {}): Logger {
  const quiet = options.quiet ?? false;
  return {
    quiet,
    info(message) {
      if (!quiet) stream.write(`${message}\n`);
    },
    warn(message) {
      stream.write(`warning: ${message}\n`);
    },
    progress(progressOptions) {
      return new ProgressBar(quiet ? discard : stream, progressOptions);
    },
  };
}
