/**
 * Request and response shapes of the OpenAI chat-completions, completions and models APIs, as far as
 * this engine implements them. Field names follow the API (snake_case).
 */

/**
 * Sampling settings beyond the OpenAI API, sent as the top-level `minichat` object of a request. With
 * the `openai` client, pass them in the request body and cast the request type.
 */
export interface MinichatExtension {
  /** Keep only the k most likely tokens; 0 keeps all. Default 0. */
  top_k?: number;
  /** Drop tokens less likely than `min_p` times the most likely one, in [0, 1]. Default 0. */
  min_p?: number;
  /** Locally typical sampling threshold in (0, 1]; 1 is off. Default 1. */
  typical_p?: number;
  /** Divide positive (multiply negative) logits of recent tokens by this value, > 0; 1 is off. Default 1. */
  repetition_penalty?: number;
  /** Number of most recent tokens the penalties look at. Default: the runtime's default (64). */
  penalty_window?: number;
}

/** A text part of a message's content array. */
export interface TextContentPart {
  /** Always `text`; other part types (images, audio) are rejected. */
  type: 'text';
  /** The text. */
  text: string;
}

/** One message of a chat request. `developer` is treated as `system`. */
export interface ChatCompletionMessageParam {
  /** Author of the message. */
  role: 'system' | 'developer' | 'user' | 'assistant';
  /** Message text, or text parts that are joined without a separator. */
  content: string | TextContentPart[];
}

/** Streaming settings. */
export interface StreamOptions {
  /** Send one last chunk with the token counts and an empty `choices` array. Default false. */
  include_usage?: boolean;
}

/** Fields shared by chat and completion requests. */
export interface CommonRequestFields {
  /** Model id from `models.list`. Default: the engine's only model. */
  model?: string;
  /** Maximum number of tokens to generate. Default: chat uses the rest of the context window, completions 16. */
  max_tokens?: number | null;
  /** Softmax temperature in [0, 2]; 0 is greedy. Default 1. */
  temperature?: number | null;
  /** Nucleus sampling threshold in (0, 1]. Default 1. */
  top_p?: number | null;
  /** Up to 4 strings that end generation; they are not part of the output. Default none. */
  stop?: string | string[] | null;
  /** Seed that makes sampling reproducible, a safe integer. Default: random. */
  seed?: number | null;
  /** Subtracted once from the logit of each recent token, in [-2, 2]. Default 0. */
  presence_penalty?: number | null;
  /** Subtracted per occurrence from the logit of each recent token, in [-2, 2]. Default 0. */
  frequency_penalty?: number | null;
  /** Token id (as a string key) to a bias in [-100, 100] added to its logit. Default none. */
  logit_bias?: Record<string, number> | null;
  /** Number of choices; only 1 is supported. Default 1. */
  n?: number | null;
  /** Stream chunks instead of returning one response. Default false. */
  stream?: boolean | null;
  /** Streaming settings; only valid with `stream: true`. */
  stream_options?: StreamOptions | null;
  /** End-user id; accepted and not used. */
  user?: string;
  /** Sampling settings beyond the OpenAI API. */
  minichat?: MinichatExtension;
}

/** Body of `POST /v1/chat/completions`. */
export interface ChatCompletionCreateParams extends CommonRequestFields {
  /** The conversation, oldest first. */
  messages: ChatCompletionMessageParam[];
  /** Newer name of `max_tokens`; send at most one of the two. */
  max_completion_tokens?: number | null;
  /** Return the log-probability of each output token. Default false. */
  logprobs?: boolean | null;
  /** Also return this many most likely alternatives per token, 0 to 20; needs `logprobs: true`. */
  top_logprobs?: number | null;
}

/** Body of `POST /v1/completions`. */
export interface CompletionCreateParams extends CommonRequestFields {
  /**
   * The prompt text (the tokenizer adds BOS), or token ids used as given (include BOS yourself), or an
   * array holding exactly one of these.
   */
  prompt: string | string[] | number[] | number[][];
  /** Return log-probabilities of each output token and this many alternatives, 0 to 5. Default none. */
  logprobs?: number | null;
  /** Must be false or absent: echoing the prompt is not implemented. */
  echo?: boolean | null;
  /** Must be 1 or absent. */
  best_of?: number | null;
}

/** Token counts of a request. */
export interface CompletionUsage {
  /** Tokens in the prompt, BOS included. */
  prompt_tokens: number;
  /** Tokens generated. */
  completion_tokens: number;
  /** Their sum. */
  total_tokens: number;
}

/** Why generation ended: a stop string or end-of-sequence token, or the `max_tokens` limit. */
export type FinishReason = 'stop' | 'length';

/** Log-probability of one token in chat logprobs. */
export interface ChatTokenLogprob {
  /** The token's text. A token that holds only part of a UTF-8 character shows U+FFFD; see `bytes`. */
  token: string;
  /** Natural log of its probability under the model's unprocessed distribution. */
  logprob: number;
  /** The token's UTF-8 bytes. */
  bytes: number[];
}

/** Log-probabilities of one output token and its most likely alternatives. */
export interface ChatTokenLogprobWithTop extends ChatTokenLogprob {
  /** The most likely tokens at this position, most likely first. */
  top_logprobs: ChatTokenLogprob[];
}

/** Logprobs of a chat choice or chunk. */
export interface ChatChoiceLogprobs {
  /** One entry per output token. */
  content: ChatTokenLogprobWithTop[];
}

/** Response of a non-streaming chat request. */
export interface ChatCompletion {
  /** Request id, `chatcmpl-…`. */
  id: string;
  /** Always `chat.completion`. */
  object: 'chat.completion';
  /** Unix time in seconds when the request started. */
  created: number;
  /** The model id. */
  model: string;
  /** The single choice. */
  choices: {
    /** Always 0. */
    index: number;
    /** The reply. */
    message: { role: 'assistant'; content: string; refusal: null };
    /** Log-probabilities when requested, else `null`. */
    logprobs: ChatChoiceLogprobs | null;
    /** Reason generation ended. */
    finish_reason: FinishReason;
  }[];
  /** Token counts. */
  usage: CompletionUsage;
}

/** One server-sent chunk of a streaming chat request. */
export interface ChatCompletionChunk {
  /** Request id, the same in every chunk. */
  id: string;
  /** Always `chat.completion.chunk`. */
  object: 'chat.completion.chunk';
  /** Unix time in seconds when the request started. */
  created: number;
  /** The model id. */
  model: string;
  /** One choice delta; empty in the final usage chunk. */
  choices: {
    /** Always 0. */
    index: number;
    /** The new text; the first chunk also has `role`. */
    delta: { role?: 'assistant'; content?: string };
    /** Log-probabilities of this chunk's tokens when requested, else `null`. */
    logprobs: ChatChoiceLogprobs | null;
    /** Set in the last chunk of the choice, else `null`. */
    finish_reason: FinishReason | null;
  }[];
  /** With `stream_options.include_usage`: `null` in every chunk but the last one. */
  usage?: CompletionUsage | null;
}

/** Logprobs of a legacy completion choice. */
export interface CompletionLogprobs {
  /** Text of each output token. */
  tokens: string[];
  /** Log-probability of each output token. */
  token_logprobs: number[];
  /** Per token, the most likely alternatives as text to log-probability. */
  top_logprobs: Record<string, number>[];
  /** Offset of each token in the choice's text, in UTF-16 code units. */
  text_offset: number[];
}

/** Response of a non-streaming completion request, and of each chunk of a streaming one. */
export interface Completion {
  /** Request id, `cmpl-…`. */
  id: string;
  /** Always `text_completion`. */
  object: 'text_completion';
  /** Unix time in seconds when the request started. */
  created: number;
  /** The model id. */
  model: string;
  /** The single choice; empty in the final usage chunk of a stream. */
  choices: {
    /** The generated text, or this chunk's part of it. */
    text: string;
    /** Always 0. */
    index: number;
    /** Log-probabilities when requested, else `null`. */
    logprobs: CompletionLogprobs | null;
    /** Reason generation ended; `null` in a stream until the last chunk. */
    finish_reason: FinishReason | null;
  }[];
  /** Token counts; in a stream only with `include_usage`, on the final chunk (else `null`). */
  usage?: CompletionUsage | null;
}

/** One entry of `models.list`. */
export interface ModelInfo {
  /** The model id to send as `model`. */
  id: string;
  /** Always `model`. */
  object: 'model';
  /** Unix time in seconds when the engine was created. */
  created: number;
  /** Always `minichat`. */
  owned_by: string;
}

/** Response of `GET /v1/models`. */
export interface ModelList {
  /** Always `list`. */
  object: 'list';
  /** The served models. */
  data: ModelInfo[];
}
