import type { IncomingMessage, ServerResponse } from 'node:http';

/** Cross-origin settings of the server. Without them, the server sends no CORS headers. */
export interface CorsOptions {
  /** Origins that may call the API, such as `['http://localhost:5173']`, or `'*'` for any. Required. */
  origins: '*' | readonly string[];
  /** Seconds a browser may cache a preflight response. Default 600. */
  maxAgeSeconds?: number;
}

/** Returns the value for `Access-Control-Allow-Origin`, or `undefined` when `origin` is not allowed. */
function allowedOrigin(cors: CorsOptions, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (cors.origins === '*') return '*';
  return cors.origins.includes(origin) ? origin : undefined;
}

/**
 * Adds CORS headers to a response when the request's origin is allowed. Returns whether the request
 * was a preflight, which the caller then completes with 204 and no body.
 */
export function applyCors(
  cors: CorsOptions | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const isPreflight =
    request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  if (cors === undefined) return false;
  const origin = allowedOrigin(cors, request.headers.origin);
  response.setHeader('Vary', 'Origin');
  if (origin === undefined) return isPreflight;

  response.setHeader('Access-Control-Allow-Origin', origin);
  response.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
  if (isPreflight) {
    response.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    // The openai client sends several of its own X-Stainless-* headers, so the requested ones are echoed.
    const requested = request.headers['access-control-request-headers'];
    response.setHeader('Access-Control-Allow-Headers', requested ?? 'Authorization, Content-Type');
    response.setHeader('Access-Control-Max-Age', String(cors.maxAgeSeconds ?? 600));
  }
  return isPreflight;
}
