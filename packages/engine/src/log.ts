/** Severity of a {@link LogEntry}. */
export type LogLevel = 'info' | 'warn' | 'error';

/**
 * One structured log record: a flat object with snake_case fields, ready to write as a JSON line.
 * Prompt and output text appear only when the engine's `logPrompts` option is on.
 */
export interface LogEntry {
  /** Severity. */
  level: LogLevel;
  /** ISO 8601 time of the record. */
  time: string;
  /** Event name, such as `completion`, `http_request`, `server_listening` or `server_closed`. */
  event: string;
  /** Further fields: `request_id`, `status`, `prompt_tokens`, `duration_ms`, … */
  [field: string]: unknown;
}

/** Receives log records. The package never prints; the caller decides where records go. */
export type Logger = (entry: LogEntry) => void;

/** Counts and timings of one completion request, as logged and as passed to `onStats`. */
export interface RequestStats {
  /** The request id, as in the response's `id`. */
  requestId: string;
  /** `chat.completions` or `completions`. */
  endpoint: 'chat.completions' | 'completions';
  /** The model id. */
  model: string;
  /** Whether the response was streamed. */
  stream: boolean;
  /** HTTP-style status of the outcome: 200, or the status of the error. */
  status: number;
  /** Error code when the request failed, else `undefined`. */
  errorCode: string | undefined;
  /** Finish reason of the generation (`stop`, `length`, `context` or `abort`), when it ran. */
  finishReason: string | undefined;
  /** Prompt tokens, BOS included; 0 when the prompt was never encoded. */
  promptTokens: number;
  /** Of those, tokens reused from the KV cache of the previous request. */
  cachedPromptTokens: number;
  /** Tokens generated. */
  completionTokens: number;
  /** Tokens the model produced after the abort signal fired; at most 1 when abort works within one step. */
  tokensAfterAbort: number;
  /** Milliseconds spent waiting for the model. */
  queueMs: number;
  /** Milliseconds from taking the model to the first token, when one was produced. */
  timeToFirstTokenMs: number | undefined;
  /** Tokens per second after the first one, when at least two were produced. */
  tokensPerSecond: number | undefined;
  /** Milliseconds from the call to the end of the request. */
  durationMs: number;
}

/** Returns the log level of a request with this status; a client that went away (499) is not a warning. */
export function logLevel(status: number): LogLevel {
  if (status >= 500) return 'error';
  if (status >= 400 && status !== 499) return 'warn';
  return 'info';
}

/** Turns stats into the snake_case fields of a log record. */
export function statsToLogFields(stats: RequestStats): Record<string, unknown> {
  return {
    request_id: stats.requestId,
    endpoint: stats.endpoint,
    model: stats.model,
    stream: stats.stream,
    status: stats.status,
    error_code: stats.errorCode,
    finish_reason: stats.finishReason,
    prompt_tokens: stats.promptTokens,
    cached_prompt_tokens: stats.cachedPromptTokens,
    completion_tokens: stats.completionTokens,
    tokens_after_abort: stats.tokensAfterAbort,
    queue_ms: round(stats.queueMs),
    time_to_first_token_ms:
      stats.timeToFirstTokenMs === undefined ? undefined : round(stats.timeToFirstTokenMs),
    tokens_per_second: stats.tokensPerSecond === undefined ? undefined : round(stats.tokensPerSecond),
    duration_ms: round(stats.durationMs),
  };
}

/** Rounds to 0.1, enough for milliseconds and tokens per second in logs. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}
