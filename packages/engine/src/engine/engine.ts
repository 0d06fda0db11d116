import type { ChatTemplate, RenderOptions } from '@minichat/chat-template';
import { ContextLengthError, InvalidOptionError, type Model } from '@minichat/runtime';
import {
  EngineError,
  GenerationFailedError,
  InvalidParameterError,
  InvalidRequestError,
  ModelNotFoundError,
  RequestAbortedError,
} from '../errors.js';
import { DEFAULT_MAX_QUEUED_REQUESTS, DEFAULT_QUEUE_TIMEOUT_MS } from '../limits.js';
import { type Logger, logLevel, type RequestStats, statsToLogFields } from '../log.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  Completion,
  CompletionCreateParams,
  ModelInfo,
  ModelList,
} from '../openai-types.js';
import { type ReleaseSlot, RequestQueue } from '../request-queue.js';
import { validateChatRequest } from '../validate/chat-request.js';
import type { ValidatedCommonFields } from '../validate/common.js';
import { validateCompletionRequest } from '../validate/completion-request.js';
import { chatCompletionChunks, collectChatCompletion, type ResponseHeader } from './chat-output.js';
import { collectCompletion, completionChunks } from './completion-output.js';
import { GuardedStream, type StreamEnd } from './guarded-stream.js';
import { type PrepareContext, type PreparedGeneration, prepareChat, prepareCompletion } from './prepare.js';
import { type OutputPiece, readGeneration } from './run.js';

/** Options of {@link createEngine}. */
export interface CreateEngineOptions {
  /** The loaded model, from `loadModel` of `@minichat/runtime`. Required. The caller disposes it. */
  model: Model;
  /** The id clients send as `model` and see in `models.list`. Default `minichat`. */
  modelId?: string;
  /**
   * Chat format for chat requests, such as `builtinTemplate('minichat')`. Default none: chat requests
   * then fail with HTTP 400, and only completions are served (right for base models).
   */
  chatTemplate?: ChatTemplate;
  /** Options for every chat render, such as `systemPrompt`. Default `{}`. */
  renderOptions?: RenderOptions;
  /** Largest `max_tokens` a request may ask for. Default: the model's context length. */
  maxTokensLimit?: number;
  /** Requests that may wait while one runs; one more fails with HTTP 429. Default 16. */
  maxQueuedRequests?: number;
  /** Milliseconds a request may wait for the model before it fails with HTTP 503; 0 waits forever. Default 120000. */
  queueTimeoutMs?: number;
  /** Receives one `completion` record per request. Default: no logging. */
  logger?: Logger;
  /** Adds the prompt (messages or prompt text) to each log record. Default false. */
  logPrompts?: boolean;
}

/** Per-call options of the `create` methods, like the second argument of the `openai` client's methods. */
export interface RequestOptions {
  /** Aborts the request: waiting in the queue, or generating within one decode step. Default none. */
  signal?: AbortSignal;
  /** Id of the response (`chatcmpl-…` or `cmpl-…`). Default: a new random id. */
  requestId?: string;
  /** Called once when the request ends, with its counts and timings. Default none. */
  onStats?: (stats: RequestStats) => void;
}

/** `engine.chat.completions`. */
export interface ChatCompletions {
  /** Runs a chat request and returns the whole response. */
  create(
    request: ChatCompletionCreateParams & { stream?: false | null },
    options?: RequestOptions,
  ): Promise<ChatCompletion>;
  /** Runs a chat request and returns a stream of chunks. Read it to the end or call `return()` to free the model. */
  create(
    request: ChatCompletionCreateParams & { stream: true },
    options?: RequestOptions,
  ): Promise<AsyncIterableIterator<ChatCompletionChunk>>;
  /** Runs a chat request; the result depends on `stream`. */
  create(
    request: ChatCompletionCreateParams,
    options?: RequestOptions,
  ): Promise<ChatCompletion | AsyncIterableIterator<ChatCompletionChunk>>;
}

/** `engine.completions`. */
export interface Completions {
  /** Continues a raw prompt with a whole response. */
  create(
    request: CompletionCreateParams & { stream?: false | null },
    options?: RequestOptions,
  ): Promise<Completion>;
  /** Continues a raw prompt with a stream of chunks. Read it to the end or call `return()` to free the model. */
  create(
    request: CompletionCreateParams & { stream: true },
    options?: RequestOptions,
  ): Promise<AsyncIterableIterator<Completion>>;
  /** Continues a raw prompt; the result depends on `stream`. */
  create(
    request: CompletionCreateParams,
    options?: RequestOptions,
  ): Promise<Completion | AsyncIterableIterator<Completion>>;
}

/** `engine.models`. */
export interface Models {
  /** Lists the served model. */
  list(): Promise<ModelList>;
  /** Returns one model by id. @throws {@link ModelNotFoundError} for another id */
  retrieve(id: string): Promise<ModelInfo>;
}

/** A request that has the model and is generating. */
interface StartedRequest<R> {
  request: R;
  header: ResponseHeader;
  pieces: AsyncGenerator<OutputPiece, void, undefined>;
  /** Frees the model and reports the stats. Later calls do nothing. */
  finish(end: StreamEnd): void;
}

/** Creates a random request id such as `chatcmpl-3f9a…`. */
function createRequestId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Maps any error from preparing or starting a generation to an {@link EngineError}. */
function toEngineError(error: unknown, signal: AbortSignal | undefined): EngineError {
  if (EngineError.isInstance(error)) return error;
  if (error instanceof ContextLengthError) {
    return new InvalidRequestError(error.message, 'messages', 'context_length_exceeded', { cause: error });
  }
  if (error instanceof InvalidOptionError) {
    return new InvalidRequestError(error.message, null, 'invalid_value', { cause: error });
  }
  if (signal?.aborted) return new RequestAbortedError({ cause: error });
  return new GenerationFailedError(error);
}

/**
 * An OpenAI-style engine over one loaded model: `chat.completions.create`, `completions.create` and
 * `models.list`, with the request and response shapes of the OpenAI API. Requests run one at a time in
 * arrival order; see {@link CreateEngineOptions} for the queue bounds.
 */
export class MinichatEngine {
  /** The id of the served model. */
  readonly modelId: string;
  /** Chat completions. */
  readonly chat: { completions: ChatCompletions };
  /** Raw-prompt completions. */
  readonly completions: Completions;
  /** The served models. */
  readonly models: Models;

  private readonly model: Model;
  private readonly queue: RequestQueue;
  private readonly prepareContext: PrepareContext;
  private readonly logger: Logger | undefined;
  private readonly logPrompts: boolean;
  private readonly createdAt = Math.floor(Date.now() / 1000);

  constructor(options: CreateEngineOptions) {
    this.model = options.model;
    this.modelId = options.modelId ?? 'minichat';
    const maxTokensLimit = options.maxTokensLimit ?? options.model.contextLength;
    if (!Number.isSafeInteger(maxTokensLimit) || maxTokensLimit < 1) {
      throw new InvalidParameterError('maxTokensLimit', maxTokensLimit, 'expected an integer >= 1');
    }
    const maxQueued = options.maxQueuedRequests ?? DEFAULT_MAX_QUEUED_REQUESTS;
    if (!Number.isSafeInteger(maxQueued) || maxQueued < 0) {
      throw new InvalidParameterError('maxQueuedRequests', maxQueued, 'expected an integer >= 0');
    }
    const timeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidParameterError('queueTimeoutMs', timeoutMs, 'expected a number of milliseconds >= 0');
    }
    this.queue = new RequestQueue({ maxQueued, timeoutMs });
    this.prepareContext = {
      model: options.model,
      chatTemplate: options.chatTemplate,
      renderOptions: options.renderOptions ?? {},
      maxTokensLimit,
    };
    this.logger = options.logger;
    this.logPrompts = options.logPrompts ?? false;

    this.chat = {
      completions: { create: this.createChatCompletion.bind(this) as ChatCompletions['create'] },
    };
    this.completions = { create: this.createCompletion.bind(this) as Completions['create'] };
    this.models = {
      list: async () => ({ object: 'list', data: [this.modelInfo()] }),
      retrieve: async (id: string) => {
        if (id !== this.modelId) throw new ModelNotFoundError(id, [this.modelId]);
        return this.modelInfo();
      },
    };
  }

  /** Requests running (0 or 1) and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.queue.running, waiting: this.queue.waiting };
  }

  /**
   * Rejects waiting and later requests with HTTP 503. A running request goes on until it ends or its
   * signal aborts. The model is not disposed.
   */
  close(): void {
    this.queue.close();
  }

  private modelInfo(): ModelInfo {
    return { id: this.modelId, object: 'model', created: this.createdAt, owned_by: 'minichat' };
  }

  private async createChatCompletion(
    body: ChatCompletionCreateParams,
    options: RequestOptions = {},
  ): Promise<ChatCompletion | AsyncIterableIterator<ChatCompletionChunk>> {
    const started = await this.start('chat.completions', body, validateChatRequest, prepareChat, options);
    const output = {
      header: started.header,
      tokenizer: this.model.tokenizer,
      logprobs: started.request.sampling.logprobs,
      includeUsage: started.request.includeUsage,
    };
    if (started.request.stream) {
      return new GuardedStream(chatCompletionChunks(started.pieces, output), started.finish, options.signal);
    }
    return this.collect(started, () => collectChatCompletion(started.pieces, output));
  }

  private async createCompletion(
    body: CompletionCreateParams,
    options: RequestOptions = {},
  ): Promise<Completion | AsyncIterableIterator<Completion>> {
    const started = await this.start(
      'completions',
      body,
      validateCompletionRequest,
      prepareCompletion,
      options,
    );
    const output = {
      header: started.header,
      tokenizer: this.model.tokenizer,
      logprobs: started.request.sampling.logprobs,
      includeUsage: started.request.includeUsage,
    };
    if (started.request.stream) {
      return new GuardedStream(completionChunks(started.pieces, output), started.finish, options.signal);
    }
    return this.collect(started, () => collectCompletion(started.pieces, output));
  }

  /** Runs a non-streaming request to its end and reports it. */
  private async collect<R, T>(started: StartedRequest<R>, read: () => Promise<T>): Promise<T> {
    try {
      const result = await read();
      started.finish({ stoppedEarly: false });
      return result;
    } catch (error) {
      started.finish({ error, stoppedEarly: false });
      throw error;
    }
  }

  /**
   * Validates and prepares a request, waits for the model and starts the generation. Every failure up
   * to that point is reported and thrown as an {@link EngineError}.
   */
  private async start<R extends ValidatedCommonFields & { messages?: unknown; prompt?: unknown }>(
    endpoint: RequestStats['endpoint'],
    body: unknown,
    validate: (body: unknown) => R,
    prepare: (request: R, context: PrepareContext) => PreparedGeneration,
    options: RequestOptions,
  ): Promise<StartedRequest<R>> {
    const startedAt = performance.now();
    const requestId =
      options.requestId ?? createRequestId(endpoint === 'chat.completions' ? 'chatcmpl' : 'cmpl');
    const stats: RequestStats = {
      requestId,
      endpoint,
      model: this.modelId,
      stream: false,
      status: 200,
      errorCode: undefined,
      finishReason: undefined,
      promptTokens: 0,
      cachedPromptTokens: 0,
      completionTokens: 0,
      tokensAfterAbort: 0,
      queueMs: 0,
      timeToFirstTokenMs: undefined,
      tokensPerSecond: undefined,
      durationMs: 0,
    };
    let request: R | undefined;
    let release: ReleaseSlot | undefined;
    let reported = false;
    const finish = (end: StreamEnd): void => {
      if (reported) return;
      reported = true;
      release?.();
      stats.durationMs = performance.now() - startedAt;
      if (end.error !== undefined) {
        const error = toEngineError(end.error, options.signal);
        stats.status = error.status;
        stats.errorCode = error.code ?? undefined;
      } else if (end.stoppedEarly) {
        stats.status = 499;
        stats.errorCode = 'client_closed';
      }
      // A generation that was started and then aborted or dropped by its reader ends with 'abort'.
      if (stats.status === 499 && release !== undefined) stats.finishReason ??= 'abort';
      this.report(stats, request, end.error);
      options.onStats?.(stats);
    };

    try {
      request = validate(body);
      stats.stream = request.stream;
      if (request.model !== undefined && request.model !== this.modelId) {
        throw new ModelNotFoundError(request.model, [this.modelId]);
      }
      const prepared = prepare(request, this.prepareContext);
      stats.promptTokens = prepared.promptTokens.length;

      const queuedAt = performance.now();
      release = await this.queue.acquire(options.signal);
      stats.queueMs = performance.now() - queuedAt;

      const events = this.model.generate({ ...prepared.options, signal: options.signal });
      return {
        request,
        header: { id: requestId, created: Math.floor(Date.now() / 1000), model: this.modelId },
        pieces: readGeneration(events, options.signal, stats),
        finish,
      };
    } catch (error) {
      const mapped = toEngineError(error, options.signal);
      finish({ error: mapped, stoppedEarly: false });
      throw mapped;
    }
  }

  /** Sends one `completion` record to the logger. */
  private report(
    stats: RequestStats,
    request: { messages?: unknown; prompt?: unknown } | undefined,
    error: unknown,
  ): void {
    if (this.logger === undefined) return;
    const fields: Record<string, unknown> = statsToLogFields(stats);
    if (error !== undefined) fields.error_message = error instanceof Error ? error.message : String(error);
    if (this.logPrompts && request !== undefined) {
      if (request.messages !== undefined) fields.messages = request.messages;
      if (request.prompt !== undefined) fields.prompt = request.prompt;
    }
    this.logger({
      level: logLevel(stats.status),
      time: new Date().toISOString(),
      event: 'completion',
      ...fields,
    });
  }
}

/** Creates an {@link MinichatEngine} over a loaded model. */
export function createEngine(options: CreateEngineOptions): MinichatEngine {
  return new MinichatEngine(options);
}
