/** File format a loader reads, named in {@link TokenizerFormatError}. */
export type TokenizerFileFormat =
  | 'sentencepiece-model'
  | 'tokenizer-json'
  | 'llama2c-tokenizer'
  | 'tokenizer-config';

/** Options shared by every error constructor of this package. */
export interface TokenizerErrorOptions {
  /** The underlying error, when one exists. */
  cause?: unknown;
}

/**
 * Base class of every error this package throws. Catch it to handle any tokenizer failure, or
 * check a subclass for the named fields of one kind of failure.
 */
export class TokenizerError extends Error {
  constructor(message: string, options: TokenizerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenizerError';
  }
}

/** A tokenizer file that is truncated, corrupt or inconsistent. */
export class TokenizerFormatError extends TokenizerError {
  /** Format of the file being read. */
  readonly format: TokenizerFileFormat;
  /** Dotted path of the field that failed, such as `pieces[17].type` or `model.merges[3]`. */
  readonly field: string;
  /** The offending value, or `undefined` when the field is missing. */
  readonly value: unknown;
  /** Byte offset in the file, when known. */
  readonly offset: number | undefined;

  constructor(
    format: TokenizerFileFormat,
    field: string,
    value: unknown,
    detail: string,
    options: TokenizerErrorOptions & { offset?: number } = {},
  ) {
    const at = options.offset === undefined ? '' : ` at byte ${options.offset}`;
    super(`Invalid ${format} file: ${field}${at} ${detail} (value: ${describeValue(value)}).`, options);
    this.name = 'TokenizerFormatError';
    this.format = format;
    this.field = field;
    this.value = value;
    this.offset = options.offset;
  }
}

/** A size read from a file, or the file itself, exceeds one of this package's named limits. */
export class TokenizerLimitError extends TokenizerFormatError {
  /** Name of the limit constant, such as `MAX_PIECES`. */
  readonly limit: string;
  /** Largest accepted value. */
  readonly max: number;

  constructor(
    format: TokenizerFileFormat,
    field: string,
    value: number,
    limit: string,
    max: number,
    options: TokenizerErrorOptions & { offset?: number } = {},
  ) {
    super(
      format,
      field,
      value,
      `exceeds ${limit} = ${max}; the file is corrupt or not a tokenizer of a supported size`,
      options,
    );
    this.name = 'TokenizerLimitError';
    this.limit = limit;
    this.max = max;
  }
}

/** A well-formed tokenizer file that uses a feature this package does not implement. */
export class UnsupportedTokenizerError extends TokenizerError {
  /** Dotted path of the field that selects the feature. */
  readonly field: string;
  /** The unsupported value. */
  readonly value: unknown;

  constructor(field: string, value: unknown, detail: string, options: TokenizerErrorOptions = {}) {
    super(`Unsupported tokenizer: ${field} = ${describeValue(value)}; ${detail}`, options);
    this.name = 'UnsupportedTokenizerError';
    this.field = field;
    this.value = value;
  }
}

/** A token id outside `[0, vocabSize)` or not an integer. */
export class InvalidTokenIdError extends TokenizerError {
  /** The rejected id. */
  readonly id: unknown;
  /** Number of pieces of the tokenizer. */
  readonly vocabSize: number;

  constructor(id: unknown, vocabSize: number, options: TokenizerErrorOptions = {}) {
    super(
      `Invalid token id ${describeValue(id)}: expected an integer in [0, ${vocabSize - 1}]. ` +
        'Check that the ids come from a model with the same vocabulary.',
      options,
    );
    this.name = 'InvalidTokenIdError';
    this.id = id;
    this.vocabSize = vocabSize;
  }
}

/** An argument of a public function with the wrong type or an invalid value. */
export class TokenizerArgumentError extends TokenizerError {
  /** Name of the argument or option, such as `options.addBos`. */
  readonly argument: string;
  /** The rejected value. */
  readonly value: unknown;

  constructor(argument: string, value: unknown, expected: string, options: TokenizerErrorOptions = {}) {
    super(`Invalid ${argument}: expected ${expected}, got ${describeValue(value)}.`, options);
    this.name = 'TokenizerArgumentError';
    this.argument = argument;
    this.value = value;
  }
}

/** Renders a value for an error message, bounded so a huge string cannot flood a log. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}
