import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { CommandSpec } from './command.js';
import type { OptionValues, ParsedArgs } from './options.js';

/** Result of parsing a command's arguments: either help was requested or the arguments are ready. */
export type ParseResult = { kind: 'help' } | { kind: 'args'; args: ParsedArgs };

/** Error codes of `util.parseArgs` that mean the user typed something invalid. */
const PARSE_ARGS_ERROR_CODES = new Set([
  'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
]);

/** A value that `util.parseArgs` would take for an option name: a negative number such as -1 or -.5. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Joins `--name -1` into `--name=-1` for options that take a value. `util.parseArgs` calls a value that
 * starts with a dash ambiguous, so a negative number would otherwise fail before the option's own range
 * check could explain what is allowed. Arguments after `--` are left alone.
 */
function joinNegativeValues(
  argv: readonly string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const takesValue = argument.startsWith('--') && options[argument.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${argument}=${next}`);
      i++;
    } else {
      joined.push(argument);
    }
  }
  return joined;
}

/**
 * Parses `argv` (the arguments after the command name) against the command's options with Node's
 * `util.parseArgs` in strict mode. Invalid arguments raise a {@link UsageError} that names the
 * command, so the caller can point the user at its help.
 */
export function parseCommandArgs(command: CommandSpec, argv: readonly string[]): ParseResult {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    quiet: { type: 'boolean', short: 'q' },
  };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }

  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && PARSE_ARGS_ERROR_CODES.has(code)) {
      // parseArgs messages already name the option, for example "Unknown option '--foo'".
      // Keep the first sentence; parseArgs appends advice about '--' that rarely applies.
      const message = (error as Error).message.split(/(?<=\.)\s/)[0] ?? 'Invalid arguments.';
      throw new UsageError(message.endsWith('.') ? message : `${message}.`, command.name, { cause: error });
    }
    throw error;
  }

  if (parsed.values.help === true) return { kind: 'help' };

  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  const count = parsed.positionals.length;
  if (count < min) {
    throw new UsageError(
      `Missing argument. Usage: minichat ${command.usage[0] ?? command.name}`,
      command.name,
    );
  }
  if (count > max) {
    const extra = parsed.positionals.slice(max).join(' ');
    throw new UsageError(`Unexpected argument '${extra}'.`, command.name);
  }

  const values: Record<string, string | boolean | undefined> = { quiet: parsed.values.quiet === true };
  for (const name of Object.keys(command.options)) {
    values[name] = parsed.values[name] as string | boolean | undefined;
  }
  return {
    kind: 'args',
    args: { command: command.name, values: values as OptionValues, positionals: parsed.positionals },
  };
}
