/**
 * Errors of `@minichat/runtime`. Every error the package raises on purpose is a {@link RuntimeError};
 * subclasses carry the offending value in named fields.
 */

const runtimeErrorMarker = Symbol.for('@minichat/runtime/error');

/** Base class of every error this package raises on purpose. */
export class RuntimeError extends Error {
  /** Marker that survives copies of the package (see {@link RuntimeError.isInstance}). */
  readonly [runtimeErrorMarker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
  }

  /** Tells whether `error` is a {@link RuntimeError}, even one created by another copy of this package. */
  static isInstance(error: unknown): error is RuntimeError {
    return typeof error === 'object' && error !== null && runtimeErrorMarker in error;
  }
}

/** A backend op was called with arguments it cannot run: a shape, row count or handle is wrong. */
export class BackendUsageError extends RuntimeError {
  /** The backend method, such as `matmul`. */
  readonly op: string;
  /** The argument or property that is wrong, such as `rows`. */
  readonly field: string;
  /** The value that was passed. */
  readonly actual: unknown;

  constructor(
    op: string,
    field: string,
    actual: unknown,
    requirement: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid ${field} ${formatValue(actual)} in ${op}(): ${requirement}.`, options);
    this.name = 'BackendUsageError';
    this.op = op;
    this.field = field;
    this.actual = actual;
  }
}

/** A backend implements another version of the backend interface than this runtime. */
export class BackendVersionError extends RuntimeError {
  /** The version this runtime implements. */
  readonly expected: number;
  /** The version the backend states. */
  readonly actual: unknown;

  constructor(backendName: string, expected: number, actual: unknown) {
    super(
      `Backend "${backendName}" implements backend interface version ${formatValue(actual)}, but this ` +
        `runtime requires version ${expected}. Install matching versions of @minichat/runtime and the backend.`,
    );
    this.name = 'BackendVersionError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** A model configuration or its weights describe something this runtime cannot run. */
export class UnsupportedModelError extends RuntimeError {
  /** The configuration field or tensor name at fault, such as `rope_scaling`. */
  readonly field: string;
  /** The value found. */
  readonly actual: unknown;

  constructor(field: string, actual: unknown, reason: string, options?: { cause?: unknown }) {
    super(`Unsupported model: ${field} = ${formatValue(actual)}. ${reason}`, options);
    this.name = 'UnsupportedModelError';
    this.field = field;
    this.actual = actual;
  }
}

/** A weight tensor's shape disagrees with the model configuration. */
export class WeightShapeError extends RuntimeError {
  /** Tensor name. */
  readonly tensor: string;
  /** Shape the configuration implies. */
  readonly expected: readonly number[];
  /** Shape found in the weights. */
  readonly actual: readonly number[];

  constructor(tensor: string, expected: readonly number[], actual: readonly number[]) {
    super(
      `Tensor ${tensor} has shape [${actual.join(', ')}], but config.json implies [${expected.join(', ')}]. ` +
        'Check that config.json belongs to these weights.',
    );
    this.name = 'WeightShapeError';
    this.tensor = tensor;
    this.expected = expected;
    this.actual = actual;
  }
}

/** An option passed to a public function is out of range or of the wrong type. */
export class InvalidOptionError extends RuntimeError {
  /** Option path, such as `sampling.topP`. */
  readonly option: string;
  /** The value passed. */
  readonly actual: unknown;

  constructor(option: string, actual: unknown, requirement: string) {
    super(`Invalid option ${option} = ${formatValue(actual)}: ${requirement}.`);
    this.name = 'InvalidOptionError';
    this.option = option;
    this.actual = actual;
  }
}

/** A prompt (plus the tokens to generate) does not fit the context window. */
export class ContextLengthError extends RuntimeError {
  /** Tokens that were requested to fit. */
  readonly tokens: number;
  /** Context window in tokens. */
  readonly limit: number;

  constructor(tokens: number, limit: number, what: string) {
    super(
      `${what} needs ${tokens} tokens, but the context window holds ${limit}. Shorten the prompt or ` +
        'load the model with a larger contextLength.',
    );
    this.name = 'ContextLengthError';
    this.tokens = tokens;
    this.limit = limit;
  }
}

/** A model or chat session was used in a state that does not allow the call. */
export class ModelStateError extends RuntimeError {
  /** The state that blocked the call, such as `disposed` or `busy`. */
  readonly state: string;

  constructor(state: string, message: string) {
    super(message);
    this.name = 'ModelStateError';
    this.state = state;
  }
}

/**
 * Formats a value for an error message without dumping large arrays. Strings are quoted, so `"2"` and
 * `2` read differently, and objects are shown as JSON.
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) return value.length <= 8 ? `[${value.map(formatValue).join(', ')}]` : 'an array';
  try {
    const json = JSON.stringify(value);
    return json !== undefined && json.length <= 120 ? json : Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
