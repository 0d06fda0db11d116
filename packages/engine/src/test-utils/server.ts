import { builtinTemplate } from '@minichat/chat-template';
import type { Model } from '@minichat/runtime';
import OpenAI from 'openai';
import { type CreateEngineOptions, createEngine, type MinichatEngine } from '../engine/engine.js';
import type { LogEntry } from '../log.js';
import { type RunningServer, type StartServerOptions, startServer } from '../server/http-server.js';

/** A server on 127.0.0.1 with a random free port, its engine, an `openai` client and the captured logs. */
export interface TestServer {
  server: RunningServer;
  engine: MinichatEngine;
  client: OpenAI;
  /** Records from both the engine and the server logger. */
  logs: LogEntry[];
}

/** The id the test servers serve their model as. */
export const TEST_MODEL_ID = 'stories260k';

/** The API key of test servers that require one. */
export const TEST_API_KEY = 'sk-test-minichat';

/**
 * Starts a server over `model` with the ChatML template. The client retries nothing, so every status
 * the server sends reaches the test.
 */
export async function startTestServer(
  model: Model,
  options: {
    engine?: Partial<CreateEngineOptions>;
    server?: Partial<StartServerOptions>;
  } = {},
): Promise<TestServer> {
  const logs: LogEntry[] = [];
  const engine = createEngine({
    model,
    modelId: TEST_MODEL_ID,
    chatTemplate: builtinTemplate('chatml'),
    ...options.engine,
  });
  const server = await startServer({
    engine,
    host: '127.0.0.1',
    port: 0,
    logger: (entry) => logs.push(entry),
    ...options.server,
  });
  const client = new OpenAI({
    baseURL: `${server.url}/v1`,
    apiKey: options.server?.apiKey ?? 'unused',
    maxRetries: 0,
    timeout: 30_000,
  });
  return { server, engine, client, logs };
}
