import type { ChatTemplate } from '@minichat/chat-template';
import { createEngine } from '@minichat/engine';
import { jsonLinesLogger, type RunningServer, startServer } from '@minichat/engine/node';
import type { Model } from '@minichat/runtime';
import type { CommandSpec } from '../args/command.js';
import { flagOption, numberOption, stringOption } from '../args/options.js';
import { createBackend } from '../backend.js';
import { CliError, ExitCode } from '../errors.js';
import { loadRuntimeModel } from '../model/load.js';
import { openModelArgument } from '../model/open.js';
import { selectChatTemplate } from '../model/template.js';
import { requireModelTokenizer } from '../model/tokenizer.js';
import {
  backendOption,
  modelOption,
  readBackendName,
  readContextLength,
  readKvCache,
  readModelArgument,
} from './generation-options.js';
import { hubOptions, readHubSettings } from './shared-options.js';

/** Port `minichat serve` listens on without `--port`. */
const DEFAULT_PORT = 8080;

/** Environment variable read for the API key when `--api-key` is absent, which keeps the key out of `ps`. */
const API_KEY_VARIABLE = 'MINICHAT_API_KEY';

/** Splits `--cors-origin` into `'*'` or a list of origins. */
function readCorsOrigins(text: string | undefined): '*' | string[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '*') return '*';
  const origins = text
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  return origins.length === 0 ? undefined : origins;
}

/** Resolves when `signal` aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `minichat serve`: the OpenAI-compatible HTTP server. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve a model over the OpenAI chat-completions API on HTTP',
  usage: ['serve [--model M] [--host H] [--port N] [--api-key KEY] [--cors-origin LIST] [options]'],
  description:
    'Loads the model and serves POST /v1/chat/completions, POST /v1/completions (JSON or server-sent ' +
    'events), GET /v1/models and GET /health, so any OpenAI client can use it with base URL ' +
    'http://HOST:PORT/v1. Requests run one at a time in arrival order; when --max-queue requests already ' +
    'wait, a new one gets HTTP 429. The base URL (ending in /v1) is printed on stdout; one JSON log line per request goes to ' +
    'stderr (none with --quiet), without prompt text unless --log-prompts is given. Set ' +
    `${API_KEY_VARIABLE} to require an API key without showing it in the process list. Ctrl-C stops the server.`,
  options: {
    host: {
      type: 'string',
      valueName: 'H',
      description: 'Address to listen on. Only 127.0.0.1 keeps the server private to this machine.',
      defaultText: '127.0.0.1',
    },
    port: {
      type: 'string',
      valueName: 'N',
      description: 'TCP port; 0 picks a free one (see the URL printed on stdout).',
      defaultText: String(DEFAULT_PORT),
    },
    'api-key': {
      type: 'string',
      valueName: 'KEY',
      description: `Require 'Authorization: Bearer KEY' on every route but /health.`,
      defaultText: `$${API_KEY_VARIABLE}, else no key`,
    },
    'cors-origin': {
      type: 'string',
      valueName: 'LIST',
      description: 'Comma-separated origins that browser pages may call the API from, or * for any.',
      defaultText: 'none (CORS off)',
    },
    'model-id': {
      type: 'string',
      valueName: 'ID',
      description: 'Model id that clients send as "model" and see in /v1/models.',
      defaultText: 'the --model value',
    },
    template: {
      type: 'string',
      valueName: 'NAME',
      description: "Built-in chat template (minichat, llama-2, chatml, vicuna) instead of the model's own.",
      defaultText: "the model's own; none for a base model (chat requests then get HTTP 400)",
    },
    system: {
      type: 'string',
      short: 's',
      valueName: 'TEXT',
      description: 'System prompt for chat requests that send no system message.',
      defaultText: "the template's own",
    },
    'max-queue': {
      type: 'string',
      valueName: 'N',
      description: 'Requests that may wait while one runs; more get HTTP 429.',
      defaultText: '16',
    },
    'max-tokens-limit': {
      type: 'string',
      valueName: 'N',
      description: 'Largest max_tokens a request may ask for, in tokens.',
      defaultText: 'the context window',
    },
    'log-prompts': { type: 'boolean', description: 'Add prompts to the JSON request log lines.' },
    context: {
      type: 'string',
      valueName: 'N',
      description: "Context window in tokens (KV cache size); at most the model's max_position_embeddings.",
      defaultText: "the model's max_position_embeddings",
    },
    ...modelOption,
    ...backendOption,
    ...hubOptions,
  },
  examples: [
    'serve --model ./MiniChat-2-3B-exl2 --port 8080',
    'serve --model ./stories260K --template chatml --port 0',
    'serve --model ./stories260K --max-queue 4 --cors-origin http://localhost:5173',
  ],
  async run(args, context) {
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const port = numberOption(args, 'port', { min: 0, max: 65535, integer: true }) ?? DEFAULT_PORT;
    const apiKey = stringOption(args, 'api-key') ?? context.io.env[API_KEY_VARIABLE];
    const maxQueued = numberOption(args, 'max-queue', { min: 0, max: 100_000, integer: true });
    const maxTokensLimit = numberOption(args, 'max-tokens-limit', { min: 1, integer: true });
    const modelArgument = readModelArgument(args);

    const opened = await openModelArgument(modelArgument, context.io, {
      hub: readHubSettings(args, context.io),
      access: 'pull',
      log: context.log,
      signal: context.signal,
    });
    const backend = await createBackend(readBackendName(args), context.log);
    let model: Model | undefined;
    let server: RunningServer | undefined;
    try {
      const tokenizerFiles = await opened.reader.readTokenizerFiles(context.signal);
      const { tokenizer } = requireModelTokenizer(tokenizerFiles, opened.argument);
      let chatTemplate: ChatTemplate | undefined;
      try {
        chatTemplate = selectChatTemplate({
          requested: stringOption(args, 'template'),
          tokenizerConfig: tokenizerFiles.tokenizerConfig,
          config: opened.reader.config,
          modelName: opened.argument,
        }).template;
      } catch (error) {
        // Without --template, a base model has no chat format: serve completions only.
        if (stringOption(args, 'template') !== undefined || !(error instanceof CliError)) throw error;
        context.log.warn(
          `${opened.argument} has no chat template, so chat requests get HTTP 400; use /v1/completions, ` +
            'or pass --template NAME.',
        );
      }

      model = await loadRuntimeModel({
        reader: opened.reader,
        backend,
        tokenizer,
        contextLength: readContextLength(args),
        kvCache: readKvCache(args),
        log: context.log,
        signal: context.signal,
      });
      const logger = context.log.quiet ? undefined : jsonLinesLogger(context.io.stderr);
      const system = stringOption(args, 'system');
      const engine = createEngine({
        model,
        modelId: stringOption(args, 'model-id') ?? modelArgument,
        chatTemplate,
        renderOptions: system === undefined ? {} : { systemPrompt: system },
        ...(maxQueued === undefined ? {} : { maxQueuedRequests: maxQueued }),
        ...(maxTokensLimit === undefined ? {} : { maxTokensLimit }),
      });
      const origins = readCorsOrigins(stringOption(args, 'cors-origin'));
      try {
        server = await startServer({
          engine,
          host,
          port,
          ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
          ...(origins === undefined ? {} : { cors: { origins } }),
          ...(logger === undefined ? {} : { logger }),
          logPrompts: flagOption(args, 'log-prompts'),
        });
      } catch (error) {
        throw new CliError(
          `Cannot listen on ${host}:${port}: ${(error as Error).message}. Pick another --port or --host.`,
          ExitCode.failure,
          { cause: error },
        );
      }
      context.io.stdout.write(`${server.url}/v1\n`);
      context.log.info(`Serving ${engine.modelId} at ${server.url}/v1 (Ctrl-C stops the server).`);

      await untilAborted(context.signal);
      engine.close();
      return ExitCode.ok;
    } finally {
      await server?.close();
      model?.dispose();
      backend.dispose();
      await opened.reader.close();
    }
  },
};
