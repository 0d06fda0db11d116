import { UsageError } from '../errors.js';

/** One command-line option of a command. */
export interface OptionSpec {
  /** `string` takes a value (`--model DIR`), `boolean` is a flag (`--json`). */
  type: 'string' | 'boolean';
  /** One-letter alias, without the dash. */
  short?: string;
  /** Placeholder for the value in help text, such as `DIR`. Default: `VALUE`. */
  valueName?: string;
  /** Help text: the setting the option controls, with its unit. One or two sentences. */
  description: string;
  /** Default shown in help text. The command applies the default itself. */
  defaultText?: string;
}

/** Options of a command by long name (without the leading `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values by long name. Absent options are `undefined`. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** Arguments of one command invocation after parsing. */
export interface ParsedArgs {
  /** Command name, for error messages. */
  command: string;
  /** Option values. */
  values: OptionValues;
  /** Arguments that are not options, in order. */
  positionals: readonly string[];
}

/** Returns a string option, or `undefined` when it is absent. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new UsageError(`Option --${name} needs a value.`, args.command);
  }
  return value;
}

/** Returns a string option that must be present. */
export function requiredStringOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined) {
    throw new UsageError(`Missing required option --${name}.`, args.command);
  }
  return value;
}

/** Returns whether a boolean flag was given. */
export function flagOption(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Bounds and kind of a numeric option value. */
export interface NumberBounds {
  /** Smallest valid value. Default: no bound. */
  min?: number;
  /** Largest valid value. Default: no bound. */
  max?: number;
  /** Whether the value must be an integer. Default: false. */
  integer?: boolean;
  /** Whether `min` itself is excluded. Default: false. */
  exclusiveMin?: boolean;
}

/** Describes the valid range of a number option for an error message. */
function describeBounds(bounds: NumberBounds): string {
  const kind = bounds.integer ? 'an integer' : 'a number';
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`${bounds.exclusiveMin ? '>' : '>='} ${bounds.min}`);
  if (bounds.max !== undefined) parts.push(`<= ${bounds.max}`);
  return parts.length === 0 ? kind : `${kind} ${parts.join(' and ')}`;
}

/**
 * Parses a number option and checks its range. Returns `undefined` when the option is absent.
 * Rejects empty strings, `NaN`, infinities and trailing garbage such as `12abc`.
 */
export function numberOption(args: ParsedArgs, name: string, bounds: NumberBounds = {}): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const inRange =
    Number.isFinite(value) &&
    (!bounds.integer || Number.isSafeInteger(value)) &&
    (bounds.min === undefined || (bounds.exclusiveMin ? value > bounds.min : value >= bounds.min)) &&
    (bounds.max === undefined || value <= bounds.max);
  if (!inRange) {
    throw new UsageError(
      `Invalid value for --${name}: '${text}'. Expected ${describeBounds(bounds)}.`,
      args.command,
    );
  }
  return value;
}

/** Parses an option whose value must be one of `choices`. Returns `undefined` when absent. */
export function choiceOption<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(
      `Invalid value for --${name}: '${text}'. Valid values: ${choices.join(', ')}.`,
      args.command,
    );
  }
  return text as T;
}
