import type { Logger } from '../log.js';
import type { OptionSpecs, ParsedArgs } from './options.js';

/** Streams and environment a command runs with. Tests pass their own. */
export interface CliIo {
  /** Results: generated text, JSON. */
  stdout: NodeJS.WritableStream;
  /** Progress bars, logs and errors. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Input for interactive commands. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Environment variables (`HF_ENDPOINT`, `XDG_CACHE_HOME`, …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths resolve against. */
  cwd: string;
}

/** Context a command's `run` receives besides its arguments. */
export interface CommandContext {
  /** Streams and environment. */
  io: CliIo;
  /** Progress and log output on stderr. */
  log: Logger;
  /** Aborted on the first SIGINT or SIGTERM. In a terminal the chat REPL reads Ctrl-C as a key instead. */
  signal: AbortSignal;
}

/** One `minichat` subcommand: its help text, its options and the function that runs it. */
export interface CommandSpec {
  /** Name typed after `minichat`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage lines without the leading `minichat `, for example `pull REPO[@BRANCH] [options]`. */
  usage: readonly string[];
  /** Paragraph printed under the usage lines. */
  description: string;
  /** Options the command accepts. `--help` is added to every command. */
  options: OptionSpecs;
  /** Range of positional arguments the command accepts. Default: none. */
  positionals?: { min: number; max: number };
  /** Example invocations without the leading `minichat `. */
  examples?: readonly string[];
  /** Runs the command and returns the exit code. Throws a `CliError` on failure. */
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}
