/**
 * An OpenAI-style engine over a minichat model, in the browser or Node: `chat.completions.create`,
 * `completions.create` and `models.list` with the OpenAI request and response shapes. The HTTP server
 * is in `@minichat/engine/node`.
 *
 * @packageDocumentation
 */
export {
  type ChatCompletions,
  type Completions,
  type CreateEngineOptions,
  createEngine,
  MinichatEngine,
  type Models,
  type RequestOptions,
} from './engine/engine.js';
export {
  ContextLengthExceededError,
  describeValue,
  EngineClosedError,
  EngineError,
  type EngineErrorDetails,
  GenerationFailedError,
  InvalidParameterError,
  InvalidRequestError,
  ModelNotFoundError,
  type OpenAIErrorBody,
  QueueFullError,
  QueueTimeoutError,
  RequestAbortedError,
  UnsupportedParameterError,
} from './errors.js';
export * from './limits.js';
export {
  type LogEntry,
  type Logger,
  type LogLevel,
  logLevel,
  type RequestStats,
  statsToLogFields,
} from './log.js';
export type * from './openai-types.js';
export { formatSseComment, formatSseEvent, SSE_DONE } from './sse.js';
