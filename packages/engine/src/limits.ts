/** Maximum stop strings per request, the OpenAI API's limit, kept so clients behave the same here. */
export const MAX_STOP_SEQUENCES = 4;

/**
 * Maximum stop string length, in UTF-16 code units. Streamed text that could begin a stop string is held back,
 * so a long stop string would delay output by as much.
 */
export const MAX_STOP_SEQUENCE_LENGTH = 256;

/** Maximum `logit_bias` entries per request, because every entry is applied at each step on the host. */
export const MAX_LOGIT_BIAS_ENTRIES = 1024;

/** Maximum `logit_bias` magnitude, the OpenAI API's range. In practice -100 bans a token and 100 forces it. */
export const MAX_LOGIT_BIAS = 100;

/** Maximum alternatives per token for chat `top_logprobs`, the OpenAI API's limit. */
export const MAX_CHAT_TOP_LOGPROBS = 20;

/** Maximum alternatives per token for legacy completion `logprobs`, the OpenAI API's limit. */
export const MAX_COMPLETION_LOGPROBS = 5;

/** `max_tokens` of a completion request that sets none: the OpenAI completions API's default. */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

/**
 * Requests that may wait for the model by default, besides the one running. A request on a small CPU
 * model takes seconds, so a longer queue mostly means clients wait past their own timeouts.
 */
export const DEFAULT_MAX_QUEUED_REQUESTS = 16;

/** How long a request may wait in the queue by default, in milliseconds, before it fails with 503. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 120_000;

/**
 * Largest request body the server reads by default, in bytes. A conversation that fills a 4096-token
 * context is about 16 KB of text, so 1 MiB leaves room for long contexts and JSON escaping.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
