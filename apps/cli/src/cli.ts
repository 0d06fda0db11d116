import packageJson from '../package.json';
import type { CliIo, CommandSpec } from './args/command.js';
import { renderCommandHelp, renderMainHelp } from './args/help.js';
import { parseCommandArgs } from './args/parse.js';
import { commands as defaultCommands } from './commands/index.js';
import { ExitCode, UsageError } from './errors.js';
import { createLogger } from './log.js';
import { reportError } from './report-error.js';

/** Version printed by `minichat --version`. */
export const VERSION: string = packageJson.version;

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Command table. Default: every built-in command. */
  commands?: readonly CommandSpec[];
  /**
   * Aborted when the user interrupts (Ctrl-C, SIGTERM). `main.ts` wires it to process signals.
   * Default: never aborted.
   */
  signal?: AbortSignal;
}

/** Finds a command by name or raises a {@link UsageError} that lists the valid ones. */
function findCommand(table: readonly CommandSpec[], name: string): CommandSpec {
  const command = table.find((entry) => entry.name === name);
  if (command === undefined) {
    throw new UsageError(
      `Unknown command '${name}'. Commands: ${table.map((entry) => entry.name).join(', ')}.`,
    );
  }
  return command;
}

/**
 * Runs `minichat` with `argv` (the arguments after the program name) and returns the exit code.
 * Errors are reported on stderr and turned into exit codes; nothing is thrown.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<number> {
  const table = options.commands ?? defaultCommands;
  const [first, ...rest] = argv;
  let command: CommandSpec | undefined;
  try {
    if (first === undefined) {
      io.stderr.write(renderMainHelp(table, VERSION));
      return ExitCode.usage;
    }
    if (first === '--help' || first === '-h') {
      io.stdout.write(renderMainHelp(table, VERSION));
      return ExitCode.ok;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return ExitCode.ok;
    }
    if (first === 'help') {
      const topic = rest[0];
      io.stdout.write(
        topic === undefined ? renderMainHelp(table, VERSION) : renderCommandHelp(findCommand(table, topic)),
      );
      return ExitCode.ok;
    }
    if (first.startsWith('-')) {
      throw new UsageError(
        `Expected a command before '${first}'. Commands: ${table.map((entry) => entry.name).join(', ')}.`,
      );
    }

    command = findCommand(table, first);
    const parsed = parseCommandArgs(command, rest);
    if (parsed.kind === 'help') {
      io.stdout.write(renderCommandHelp(command));
      return ExitCode.ok;
    }
    const log = createLogger(io.stderr, { quiet: parsed.args.values.quiet === true });
    const signal = options.signal ?? new AbortController().signal;
    return await command.run(parsed.args, { io, log, signal });
  } catch (error) {
    return reportError(error, io.stderr, io.env, command?.name);
  }
}
