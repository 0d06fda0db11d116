import type { TokenLogprob } from '../sampler/sampler.js';

/** Reason a generation ended. */
export type FinishReason =
  /** An end-of-sequence token or a stop string was produced. */
  | 'stop'
  /** `maxTokens` tokens were produced. */
  | 'length'
  /** The context window is full. */
  | 'context'
  /** The abort signal fired. */
  | 'abort';

/** Token counts and timings of one generation. */
export interface GenerationUsage {
  /** Tokens of the prompt, BOS included. */
  promptTokens: number;
  /** Of those, tokens whose cached keys and values were reused instead of computed. */
  cachedPromptTokens: number;
  /** Tokens produced, not counting an end-of-sequence token that stopped generation. */
  completionTokens: number;
  /** Milliseconds from the start of the generation to the first produced token; undefined when none was. */
  timeToFirstTokenMs: number | undefined;
  /** Prompt tokens computed per second during prefill; undefined when nothing was computed. */
  prefillTokensPerSecond: number | undefined;
  /** Tokens produced per second after the first one; undefined with fewer than two tokens. */
  tokensPerSecond: number | undefined;
}

/** A token was produced. */
export interface TokenEvent {
  /** Discriminant. */
  type: 'token';
  /** Token id. */
  token: number;
  /** Log-probability, when requested through `sampling.logprobs`. */
  logprob?: number;
  /** Most likely alternatives, when requested through `sampling.topLogprobs`. */
  topLogprobs?: TokenLogprob[];
}

/** New output text. Deltas never split a UTF-8 character and never contain part of a stop string. */
export interface TextEvent {
  /** Discriminant. */
  type: 'text';
  /** The text to append. */
  text: string;
}

/** The last event of every generation. */
export interface FinishEvent {
  /** Discriminant. */
  type: 'finish';
  /** Reason generation ended. */
  reason: FinishReason;
  /** The whole output text (without a stop string that ended it). */
  text: string;
  /** The produced token ids (without an end-of-sequence token that ended it). */
  tokens: number[];
  /** The end-of-sequence token id, when one ended generation. */
  stopToken?: number;
  /** The stop string, when one ended generation. */
  stopString?: string;
  /** Counts and timings. */
  usage: GenerationUsage;
}

/** Events of a generation, in order: token and text events, then one finish event. */
export type GenerationEvent = TokenEvent | TextEvent | FinishEvent;
