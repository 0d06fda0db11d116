/**
 * Node-only entry point: the OpenAI-compatible HTTP server on Node's `http` module, and a logger that
 * writes JSON lines to a stream.
 *
 * @packageDocumentation
 */
export { applyCors, type CorsOptions } from './server/cors.js';
export {
  AuthenticationError,
  InvalidBodyError,
  RequestTooLargeError,
  RouteNotFoundError,
} from './server/http-errors.js';
export {
  createOpenAIServer,
  type ListenOptions,
  type OpenAIServer,
  type OpenAIServerOptions,
  type RunningServer,
  type StartServerOptions,
  startServer,
} from './server/http-server.js';
export { jsonLinesLogger } from './server/json-lines-logger.js';
