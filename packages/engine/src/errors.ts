/**
 * Errors of `@minichat/engine`. Each one carries the HTTP status and the OpenAI error fields (`type`,
 * `code`, `param`) that the server sends, so the in-process engine and the server fail the same way.
 */

const engineErrorMarker = Symbol.for('@minichat/engine/error');

/** The JSON body of an OpenAI API error response. */
export interface OpenAIErrorBody {
  /** The error. */
  error: {
    /** Description of the failure and the fix. */
    message: string;
    /** Error category, such as `invalid_request_error`. */
    type: string;
    /** The request field at fault, such as `temperature` or `messages[1].content`, or `null`. */
    param: string | null;
    /** Machine-readable reason, such as `model_not_found`, or `null`. */
    code: string | null;
  };
}

/** Fields of an {@link EngineError} besides its message. */
export interface EngineErrorDetails {
  /** HTTP status of the server's response. */
  status: number;
  /** OpenAI error type. */
  type: string;
  /** OpenAI error code. Default `null`. */
  code?: string | null;
  /** The request field at fault. Default `null`. */
  param?: string | null;
  /** The underlying error. Default none. */
  cause?: unknown;
}

/** Base class of every error this package raises on purpose. */
export class EngineError extends Error {
  /** Marker that survives copies of the package (see {@link EngineError.isInstance}). */
  readonly [engineErrorMarker] = true;
  /** HTTP status of the server's response. */
  readonly status: number;
  /** OpenAI error type, such as `invalid_request_error`. */
  readonly type: string;
  /** OpenAI error code, such as `model_not_found`, or `null`. */
  readonly code: string | null;
  /** The request field at fault, or `null`. */
  readonly param: string | null;

  constructor(message: string, details: EngineErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EngineError';
    this.status = details.status;
    this.type = details.type;
    this.code = details.code ?? null;
    this.param = details.param ?? null;
  }

  /** Tells whether `error` is an {@link EngineError}, even one created by another copy of this package. */
  static isInstance(error: unknown): error is EngineError {
    return typeof error === 'object' && error !== null && engineErrorMarker in error;
  }

  /** Returns the OpenAI-shaped JSON body for this error. */
  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A request that is malformed or requests something the engine does not support (HTTP 400). */
export class InvalidRequestError extends EngineError {
  constructor(message: string, param: string | null, code: string, options?: { cause?: unknown }) {
    super(message, { status: 400, type: 'invalid_request_error', code, param, cause: options?.cause });
    this.name = 'InvalidRequestError';
  }
}

/** A request field that has a wrong type or a value out of range (HTTP 400, code `invalid_value`). */
export class InvalidParameterError extends InvalidRequestError {
  /** The value that was sent. */
  readonly value: unknown;

  constructor(param: string, value: unknown, requirement: string) {
    super(`Invalid value ${describeValue(value)} for '${param}': ${requirement}.`, param, 'invalid_value');
    this.name = 'InvalidParameterError';
    this.value = value;
  }
}

/**
 * A request field that the OpenAI API defines but this engine does not implement, or a field that no
 * API defines (HTTP 400, code `unsupported_parameter` or `unknown_parameter`).
 */
export class UnsupportedParameterError extends InvalidRequestError {
  constructor(param: string, reason: string, code: 'unsupported_parameter' | 'unknown_parameter') {
    super(
      code === 'unknown_parameter'
        ? `Unrecognized request field '${param}'. ${reason}`
        : `Unsupported request field '${param}': ${reason}`,
      param,
      code,
    );
    this.name = 'UnsupportedParameterError';
  }
}

/** The prompt, or the prompt plus `max_tokens`, does not fit the model's context (HTTP 400). */
export class ContextLengthExceededError extends InvalidRequestError {
  /** Tokens in the rendered prompt. */
  readonly promptTokens: number;
  /** Tokens requested for the reply, or 0 when the prompt alone is too long. */
  readonly maxTokens: number;
  /** The model's context window in tokens. */
  readonly contextLength: number;

  constructor(promptTokens: number, maxTokens: number, contextLength: number) {
    super(
      maxTokens === 0
        ? `The prompt is ${promptTokens} tokens, but the model's context window is ${contextLength} tokens, ` +
            'and at least one must be left for the reply. Shorten the prompt.'
        : `The prompt (${promptTokens} tokens) plus max_tokens (${maxTokens}) exceeds the model's context ` +
            `window of ${contextLength} tokens. Shorten the prompt or lower max_tokens.`,
      maxTokens === 0 ? 'messages' : 'max_tokens',
      'context_length_exceeded',
    );
    this.name = 'ContextLengthExceededError';
    this.promptTokens = promptTokens;
    this.maxTokens = maxTokens;
    this.contextLength = contextLength;
  }
}

/** The request names a model this engine does not serve (HTTP 404, code `model_not_found`). */
export class ModelNotFoundError extends EngineError {
  /** The model id that was requested. */
  readonly model: string;
  /** The ids the engine serves. */
  readonly available: readonly string[];

  constructor(model: string, available: readonly string[]) {
    super(`The model '${model}' does not exist. Available models: ${available.join(', ')}.`, {
      status: 404,
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: 'model',
    });
    this.name = 'ModelNotFoundError';
    this.model = model;
    this.available = available;
  }
}

/** Every queue slot is taken (HTTP 429, code `queue_full`); the client should retry later. */
export class QueueFullError extends EngineError {
  /** Requests waiting when this one arrived. */
  readonly waiting: number;
  /** The queue's capacity. */
  readonly limit: number;

  constructor(waiting: number, limit: number) {
    super(
      `The server is busy: ${waiting} requests are already waiting, the most it queues (${limit}). ` +
        'Retry after the running requests finish.',
      { status: 429, type: 'rate_limit_error', code: 'queue_full' },
    );
    this.name = 'QueueFullError';
    this.waiting = waiting;
    this.limit = limit;
  }
}

/** A queued request waited longer than the engine allows (HTTP 503, code `queue_timeout`). */
export class QueueTimeoutError extends EngineError {
  /** Time the request waited, in milliseconds. */
  readonly waitedMs: number;

  constructor(waitedMs: number) {
    super(
      `The request waited ${waitedMs} ms in the queue without reaching the model and was dropped. ` +
        'Retry later, or raise the queue timeout of the server.',
      { status: 503, type: 'server_error', code: 'queue_timeout' },
    );
    this.name = 'QueueTimeoutError';
    this.waitedMs = waitedMs;
  }
}

/** The engine was closed before or while the request ran (HTTP 503, code `engine_closed`). */
export class EngineClosedError extends EngineError {
  constructor() {
    super('The engine is shutting down and accepts no more requests.', {
      status: 503,
      type: 'server_error',
      code: 'engine_closed',
    });
    this.name = 'EngineClosedError';
  }
}

/** The caller aborted the request through its `AbortSignal`. */
export class RequestAbortedError extends EngineError {
  constructor(options?: { cause?: unknown }) {
    // 499 is the status nginx logs for a client that closed the connection. It appears in logs only,
    // because the server sends 503 for a request that its own shutdown aborted.
    super('The request was aborted by the caller.', {
      status: 499,
      type: 'request_aborted',
      code: 'request_aborted',
      cause: options?.cause,
    });
    this.name = 'RequestAbortedError';
  }
}

/** Generation failed inside the runtime (HTTP 500, code `generation_failed`). */
export class GenerationFailedError extends EngineError {
  constructor(cause: unknown) {
    super(`Generation failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      status: 500,
      type: 'server_error',
      code: 'generation_failed',
      cause,
    });
    this.name = 'GenerationFailedError';
  }
}

/** Formats a request value for an error message, cut to a readable length. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
