import { Template } from '@huggingface/jinja';
import type { TemplatePosition } from './errors.js';

/** Converts an offset into `source` to a 1-based line and column. */
export function positionAt(source: string, offset: number): TemplatePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  const before = source.slice(0, clamped);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { offset: clamped, line: before.split('\n').length, column: clamped - lineStart + 1 };
}

/** Returns the error that parsing `source` throws, or `undefined` when it parses. */
function parseError(source: string): unknown {
  try {
    new Template(source);
    return undefined;
  } catch (error) {
    return error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Returns whether a parse error means that the template ended too early. `@huggingface/jinja` 0.5.13
 * reports an unclosed string as "Unexpected end of input", and an unclosed block by reading past its
 * token list, which surfaces as a `TypeError`.
 */
function isEndOfInputError(error: unknown): boolean {
  return error instanceof TypeError || messageOf(error) === 'Unexpected end of input';
}

/** A parse failure with a readable message and the place where it happened. */
export interface LocatedSyntaxError {
  /** The parser's message, or a clearer one when the parser's message names an internal detail. */
  message: string;
  /** Position at which parsing failed. */
  position: TemplatePosition;
}

/** Maximum prefixes tried inside the failing tag, which bounds the search to that many parses. */
const MAX_IN_TAG_PROBES = 256;

/** Returns the index just after the string literal that starts at `start`, or `undefined` if unclosed. */
function skipStringLiteral(source: string, start: number): number | undefined {
  const quote = source[start];
  for (let index = start + 1; index < source.length; index++) {
    if (source[index] === '\\') {
      index++;
    } else if (source[index] === quote) {
      return index + 1;
    }
  }
  return undefined;
}

/**
 * Returns the offsets just after each tag (`{{ }}`, `{% %}`, `{# #}`) of `source`, and its length.
 * Quoted strings inside tags are skipped, so `{{ '}}' }}` is one tag.
 */
export function tagEnds(source: string): number[] {
  const ends: number[] = [];
  let index = 0;
  while (index < source.length) {
    const open = source.indexOf('{', index);
    const kind = open === -1 ? undefined : source[open + 1];
    if (kind !== '{' && kind !== '%' && kind !== '#') {
      if (open === -1) {
        break;
      }
      index = open + 1;
      continue;
    }

    const close = kind === '{' ? '}}' : `${kind}}`;
    let cursor: number | undefined = open + 2;
    while (cursor !== undefined && cursor < source.length && !source.startsWith(close, cursor)) {
      const char: string | undefined = source[cursor];
      cursor =
        kind !== '#' && (char === "'" || char === '"') ? skipStringLiteral(source, cursor) : cursor + 1;
    }
    if (cursor === undefined || cursor >= source.length) {
      break;
    }
    index = cursor + close.length;
    ends.push(index);
  }
  if (ends.at(-1) !== source.length) {
    ends.push(source.length);
  }
  return ends;
}

/**
 * Locates the parse error `error` that parsing `source` threw. The parser of `@huggingface/jinja`
 * 0.5.13 records no positions, so this parses prefixes of `source`. A prefix that ends after a tag
 * lexes like the whole template. The parser therefore fails on it with the same message exactly when
 * the prefix contains the failing token, and a binary search over tag ends finds the failing tag. Inside that tag,
 * the shortest prefix that fails the same way ends at the failing token, or at the first character of
 * the token after it, because the lexer reads one character past whitespace. An error caused by the
 * end of input is placed at the end of the template.
 */
export function locateSyntaxError(source: string, error: unknown): LocatedSyntaxError {
  if (isEndOfInputError(error)) {
    return {
      message:
        error instanceof TypeError
          ? 'unexpected end of template; a block such as {% if %} or {% for %} may be missing its end tag'
          : 'unexpected end of template; a string, comment or tag may be unclosed',
      position: positionAt(source, source.length),
    };
  }

  const message = messageOf(error);
  const failsTheSameWay = (length: number) => {
    const prefixError = parseError(source.slice(0, length));
    return prefixError !== undefined && messageOf(prefixError) === message;
  };

  // Binary search for the first tag end whose prefix fails; the whole source (the last end) does.
  const ends = tagEnds(source);
  let low = 0;
  let high = ends.length - 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsTheSameWay(ends[middle]!)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }

  const tagEnd = ends[high]!;
  const tagStart = high > 0 ? ends[high - 1]! : 0;
  const lastProbe = Math.min(tagEnd, tagStart + MAX_IN_TAG_PROBES);
  for (let length = tagStart + 1; length <= lastProbe; length++) {
    if (failsTheSameWay(length)) {
      return { message, position: positionAt(source, length - 1) };
    }
  }
  return { message, position: positionAt(source, tagEnd - 1) };
}

/** Reads a Jinja string literal that starts at `start`, handling backslash escapes of quotes. */
function readStringLiteral(source: string, start: number): string | undefined {
  const quote = source[start];
  if (quote !== "'" && quote !== '"') {
    return undefined;
  }
  let text = '';
  for (let index = start + 1; index < source.length; index++) {
    const char = source[index]!;
    if (char === quote) {
      return text;
    }
    if (char === '\\' && index + 1 < source.length) {
      index++;
      const escaped = source[index]!;
      const escapes: Record<string, string> = { n: '\n', t: '\t' };
      text += escapes[escaped] ?? escaped;
    } else {
      text += char;
    }
  }
  return undefined;
}

/**
 * Finds the `raise_exception(...)` call in `source` that raised `message`: the call whose first
 * argument is that exact string literal, else the call whose leading literal starts the message (as in
 * `raise_exception('Unknown role: ' + role)`), else the only call. Returns `undefined` when no call
 * fits, because the AST of `@huggingface/jinja` 0.5.13 carries no positions to say which one ran.
 */
export function locateRaiseException(source: string, message: string): TemplatePosition | undefined {
  const calls: { offset: number; literal: string | undefined }[] = [];
  for (const match of source.matchAll(/\braise_exception\s*\(\s*/g)) {
    calls.push({ offset: match.index, literal: readStringLiteral(source, match.index + match[0].length) });
  }

  const exact = calls.find((call) => call.literal === message);
  const prefix = calls
    .filter((call) => call.literal && message.startsWith(call.literal))
    .sort((a, b) => b.literal!.length - a.literal!.length)[0];
  const only = calls.length === 1 ? calls[0] : undefined;
  const call = exact ?? prefix ?? only;
  return call ? positionAt(source, call.offset) : undefined;
}
