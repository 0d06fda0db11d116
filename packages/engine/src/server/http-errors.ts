import { EngineError } from '../errors.js';

/** The request has no valid API key (HTTP 401, code `invalid_api_key`). */
export class AuthenticationError extends EngineError {
  constructor(reason: 'missing' | 'invalid') {
    super(
      reason === 'missing'
        ? "Missing API key: send it in the header 'Authorization: Bearer KEY'."
        : 'Invalid API key. Send the key the server was started with.',
      { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
    );
    this.name = 'AuthenticationError';
  }
}

/** The request body exceeds the server's limit (HTTP 413, code `request_too_large`). */
export class RequestTooLargeError extends EngineError {
  /** The limit in bytes. */
  readonly limit: number;
  /** Bytes announced or read when the limit was hit. */
  readonly actual: number;

  constructor(limit: number, actual: number) {
    super(
      `The request body is larger than the server's limit of ${limit} bytes (${actual} bytes or more). ` +
        'Send a shorter conversation, or raise the limit of the server.',
      { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
    );
    this.name = 'RequestTooLargeError';
    this.limit = limit;
    this.actual = actual;
  }
}

/** The request body is not JSON (HTTP 415 for another content type, 400 for malformed JSON). */
export class InvalidBodyError extends EngineError {
  constructor(message: string, status: 400 | 415, options?: { cause?: unknown }) {
    super(message, {
      status,
      type: 'invalid_request_error',
      code: status === 415 ? 'unsupported_media_type' : 'invalid_json',
      cause: options?.cause,
    });
    this.name = 'InvalidBodyError';
  }
}

/** No route matches the path (HTTP 404), or the route exists for other methods (HTTP 405). */
export class RouteNotFoundError extends EngineError {
  /** The request method. */
  readonly method: string;
  /** The request path. */
  readonly path: string;

  constructor(method: string, path: string, allowed: readonly string[] | undefined) {
    super(
      allowed === undefined
        ? `No route ${method} ${path}. Routes: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health.`
        : `Method ${method} is not allowed on ${path}. Use ${allowed.join(' or ')}.`,
      {
        status: allowed === undefined ? 404 : 405,
        type: 'invalid_request_error',
        code: allowed === undefined ? 'not_found' : 'method_not_allowed',
      },
    );
    this.name = 'RouteNotFoundError';
    this.method = method;
    this.path = path;
  }
}
