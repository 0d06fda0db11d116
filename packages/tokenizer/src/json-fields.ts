import { type TokenizerFileFormat, TokenizerFormatError } from './errors.js';

/** Reads fields of parsed JSON with typed errors that name the field path. */
export class JsonFields {
  readonly format: TokenizerFileFormat;

  constructor(format: TokenizerFileFormat) {
    this.format = format;
  }

  /** Returns `value` as a plain object. */
  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TokenizerFormatError(this.format, path, value, 'must be a JSON object');
    }
    return value as Record<string, unknown>;
  }

  /** Returns `value` as an array. */
  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value))
      throw new TokenizerFormatError(this.format, path, value, 'must be a JSON array');
    return value;
  }

  /** Returns `value` as a string. */
  string(value: unknown, path: string): string {
    if (typeof value !== 'string')
      throw new TokenizerFormatError(this.format, path, value, 'must be a string');
    return value;
  }

  /** Returns `value` as a boolean, or `fallback` when it is missing or null. */
  optionalBoolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean')
      throw new TokenizerFormatError(this.format, path, value, 'must be true or false');
    return value;
  }

  /** Returns `value` as an integer in `[0, max]`. */
  index(value: unknown, path: string, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
      throw new TokenizerFormatError(this.format, path, value, `must be an integer in [0, ${max}]`);
    }
    return value;
  }

  /** Parses JSON text, wrapping a syntax error. */
  parse(text: string, path: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new TokenizerFormatError(
        this.format,
        path,
        text.slice(0, 40),
        'is not valid JSON; the file is truncated or corrupt',
        {
          cause: error,
        },
      );
    }
  }
}

/** Decodes file bytes as UTF-8 text, rejecting invalid UTF-8. */
export function decodeJsonText(input: string | Uint8Array, format: TokenizerFileFormat): string {
  if (typeof input === 'string') return input;
  if (!(input instanceof Uint8Array)) {
    throw new TokenizerFormatError(
      format,
      'input',
      input,
      'must be a string or a Uint8Array with the file contents',
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (error) {
    throw new TokenizerFormatError(format, 'input', input, 'is not valid UTF-8', { cause: error });
  }
}
