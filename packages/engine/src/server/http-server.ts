import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MinichatEngine, RequestOptions } from '../engine/engine.js';
import { EngineClosedError, EngineError, InvalidParameterError, RequestAbortedError } from '../errors.js';
import { DEFAULT_MAX_BODY_BYTES } from '../limits.js';
import { type Logger, type LogLevel, logLevel, type RequestStats, statsToLogFields } from '../log.js';
import { createApiKeyCheck } from './auth.js';
import { applyCors, type CorsOptions } from './cors.js';
import { RouteNotFoundError } from './http-errors.js';
import { readJsonBody } from './read-body.js';
import { errorResponse, sendEventStream, sendJson } from './send.js';

/** Options of {@link createOpenAIServer}. */
export interface OpenAIServerOptions {
  /** The engine that handles requests. Required. The server does not close it. */
  engine: MinichatEngine;
  /** When set, every route but `/health` requires `Authorization: Bearer <apiKey>`. Default: no key. */
  apiKey?: string;
  /** Cross-origin access for browser pages. Default: off (no CORS headers, preflights fail). */
  cors?: CorsOptions;
  /** Largest request body in bytes; a larger one gets HTTP 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Receives one `http_request` record per request, and server start, stop and error records. Default: none. */
  logger?: Logger;
  /** Adds the `messages` or `prompt` of each completion request to its `http_request` record. Default false. */
  logPrompts?: boolean;
}

/** A server created by {@link createOpenAIServer}. */
export interface OpenAIServer {
  /** The underlying Node server. */
  readonly server: Server;
  /** Starts listening and resolves with the base URL, such as `http://127.0.0.1:8080`. */
  listen(options: ListenOptions): Promise<string>;
  /** Stops accepting connections, aborts running generations and resolves when every connection is closed. */
  close(): Promise<void>;
}

/** Address and port of a listening server. */
export interface ListenOptions {
  /** Interface address. Default `127.0.0.1` (this machine only). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
}

/** Options of {@link startServer}: those of {@link createOpenAIServer} plus where to listen. */
export type StartServerOptions = OpenAIServerOptions & ListenOptions;

/** A listening server, returned by {@link startServer}. */
export interface RunningServer extends OpenAIServer {
  /** The base URL of the API root, such as `http://127.0.0.1:8080`; clients use `${url}/v1`. */
  readonly url: string;
}

type Route = 'chat' | 'completions' | 'models' | 'model' | 'health';

/** Outcome of a completion route, for the request log. */
interface CompletionOutcome {
  /** The engine's counts and timings, once the engine reported them. */
  stats?: RequestStats;
  /** An error raised after a stream started, which was sent as an error event. */
  streamError?: unknown;
  /** The request's `messages` or `prompt`, only when prompts are logged. */
  prompt?: Record<string, unknown>;
}

/** Returns the code of an error for a log record, or `undefined` when there was none. */
function errorCode(error: unknown): string | null | undefined {
  if (error === undefined) return undefined;
  return EngineError.isInstance(error) ? error.code : 'internal_error';
}

/** Returns the message of an error for a log record, or `undefined` when there was none. */
function errorMessage(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : String(error);
}

/** Routes by path, with the methods each accepts. */
function matchRoute(path: string): { route: Route; methods: readonly string[]; param?: string } | undefined {
  if (path === '/v1/chat/completions') return { route: 'chat', methods: ['POST'] };
  if (path === '/v1/completions') return { route: 'completions', methods: ['POST'] };
  if (path === '/v1/models') return { route: 'models', methods: ['GET'] };
  if (path === '/health') return { route: 'health', methods: ['GET'] };
  const model = /^\/v1\/models\/([^/]+)$/.exec(path);
  if (model !== null) return { route: 'model', methods: ['GET'], param: decodeURIComponent(model[1]!) };
  return undefined;
}

/**
 * Creates an HTTP server for the OpenAI API on Node's `http` module: `POST /v1/chat/completions` and
 * `POST /v1/completions` (JSON, or server-sent events with `stream: true`), `GET /v1/models`,
 * `GET /v1/models/{id}` and `GET /health`. A client that disconnects aborts its generation, which frees
 * the model within one decode step.
 */
export function createOpenAIServer(options: OpenAIServerOptions): OpenAIServer {
  const { engine, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InvalidParameterError('maxBodyBytes', maxBodyBytes, 'expected an integer >= 1');
  }
  if (options.apiKey !== undefined && options.apiKey.length === 0) {
    throw new InvalidParameterError('apiKey', '', 'expected a non-empty key, or no key at all');
  }
  const checkApiKey = options.apiKey === undefined ? undefined : createApiKeyCheck(options.apiKey);
  const active = new Set<AbortController>();
  let closing = false;
  const log = (level: LogLevel, event: string, fields: Record<string, unknown>): void => {
    logger?.({ level, time: new Date().toISOString(), event, ...fields });
  };

  /** Runs a completion route; fills `result` with the engine's stats even when the request fails. */
  async function handleCompletion(
    route: 'chat' | 'completions',
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    result: CompletionOutcome,
  ): Promise<void> {
    const body = await readJsonBody(request, maxBodyBytes);
    if (options.logPrompts === true && typeof body === 'object' && body !== null) {
      const { messages, prompt } = body as Record<string, unknown>;
      result.prompt = messages === undefined ? { prompt } : { messages };
    }
    const controller = new AbortController();
    active.add(controller);
    // 'close' before the response finished means the client went away: stop generating for it.
    const onClose = (): void => {
      if (!response.writableFinished) controller.abort(new RequestAbortedError());
    };
    response.on('close', onClose);
    const requestOptions: RequestOptions = {
      signal: controller.signal,
      requestId,
      onStats: (stats) => {
        result.stats = stats;
      },
    };
    try {
      // The engine validates the body, so it is passed on as received.
      const output: object =
        route === 'chat'
          ? await engine.chat.completions.create(body as never, requestOptions)
          : await engine.completions.create(body as never, requestOptions);
      if (Symbol.asyncIterator in output) {
        result.streamError = await sendEventStream(
          response,
          output as AsyncIterableIterator<unknown>,
          requestId,
        );
      } else {
        response.setHeader('X-Request-Id', requestId);
        sendJson(response, 200, output);
      }
    } finally {
      active.delete(controller);
      response.off('close', onClose);
    }
  }

  // NOTE: the Host header is not checked, so a page using DNS rebinding can reach a loopback server as
  // its own origin. Only `apiKey` protects against that.
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const match = matchRoute(path);
    let prefix = 'req';
    if (match?.route === 'chat') prefix = 'chatcmpl';
    if (match?.route === 'completions') prefix = 'cmpl';
    const requestId = `${prefix}-${randomBytes(12).toString('hex')}`;
    // Read now, because a destroyed socket no longer reports its remote address.
    const remoteAddress = request.socket.remoteAddress;
    const outcome: CompletionOutcome = {};
    let failure: unknown;
    let sentStatus: number | undefined;

    try {
      if (applyCors(options.cors, request, response)) {
        response.writeHead(204);
        response.end();
        return;
      }
      if (match === undefined) throw new RouteNotFoundError(method, path, undefined);
      if (!match.methods.includes(method)) {
        response.setHeader('Allow', match.methods.join(', '));
        throw new RouteNotFoundError(method, path, match.methods);
      }
      if (match.route === 'health') {
        sendJson(response, 200, { status: 'ok', model: engine.modelId, ...engine.load });
        return;
      }
      checkApiKey?.(request);
      if (match.route === 'models') sendJson(response, 200, await engine.models.list());
      else if (match.route === 'model') sendJson(response, 200, await engine.models.retrieve(match.param!));
      else await handleCompletion(match.route, request, response, requestId, outcome);
    } catch (error) {
      failure = error;
      if (!response.headersSent && !response.destroyed) {
        // A client that is still connected was aborted by the server's shutdown, not by itself.
        if (closing && error instanceof RequestAbortedError) failure = new EngineClosedError();
        const { status, body, headers } = errorResponse(failure);
        for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
        response.setHeader('X-Request-Id', requestId);
        // A body that was not read to the end (too large) leaves the connection unusable, so it is closed.
        if (!request.readableEnded) response.setHeader('Connection', 'close');
        sendJson(response, status, body);
        sentStatus = status;
      } else {
        response.destroy();
      }
    } finally {
      const error = failure ?? outcome.streamError;
      const status =
        sentStatus ??
        outcome.stats?.status ??
        (error === undefined ? response.statusCode : errorResponse(error).status);
      log(logLevel(status), 'http_request', {
        ...(outcome.stats === undefined ? {} : statsToLogFields(outcome.stats)),
        ...outcome.prompt,
        request_id: requestId,
        method,
        path,
        status,
        remote_address: remoteAddress,
        duration_ms: Math.round((performance.now() - startedAt) * 10) / 10,
        error_code: errorCode(error) ?? outcome.stats?.errorCode,
        error_message: errorMessage(error),
      });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log('error', 'handler_failed', {
        error_message: errorMessage(error),
      });
      response.destroy();
    });
  });

  return {
    server,
    listen: ({ host = '127.0.0.1', port = 8080 } = {}) =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          const url = `http://${shownHost}:${address.port}`;
          log('info', 'server_listening', { url, model: engine.modelId, auth: checkApiKey !== undefined });
          resolve(url);
        });
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        for (const controller of active) controller.abort(new RequestAbortedError());
        // Keep-alive connections become idle only after their last response; close each as soon as it does.
        const sweep = setInterval(() => server.closeIdleConnections(), 20);
        server.close((error) => {
          clearInterval(sweep);
          log('info', 'server_closed', {});
          if (error !== undefined && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING')
            reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** Creates a server with {@link createOpenAIServer} and starts listening. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const server = createOpenAIServer(options);
  const url = await server.listen(options);
  return { ...server, url };
}
