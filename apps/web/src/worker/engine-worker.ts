/**
 * The engine worker: probes the device, opens and loads a model, and streams replies, so the page's
 * main thread never runs model code.
 */
import { builtinTemplate, type ChatTemplate, templateFromTokenizerConfig } from '@minichat/chat-template';
import { filesFromList, type ModelFiles, openModel } from '@minichat/exl2-format';
import { type ChatSession, type GenerationEvent, loadModel, type Model } from '@minichat/runtime';
import { EngineStateError } from '../errors.js';
import { directoryFiles } from '../sources/local-files.js';
import { cachedModelFiles, cacheUsage, clearCache } from '../sources/opfs-cache.js';
import { listHubModel, probeUrlModel } from '../sources/remote-files.js';
import { checkFit, createBackend, type ProbedDevice, probeDevice } from './device.js';
import type { ModelSourceRequest, WorkerEvent, WorkerRequest } from './protocol.js';

/** The dedicated worker scope; TypeScript's DOM library types `self` as a window. */
const scope = self as unknown as {
  postMessage(message: WorkerEvent): void;
  onmessage: ((message: MessageEvent<WorkerRequest>) => void) | null;
};

interface LoadedModel {
  model: Model;
  template: ChatTemplate;
  chat: ChatSession | undefined;
  systemPrompt: string;
}

let probed: Promise<ProbedDevice> | undefined;
let loaded: LoadedModel | undefined;
let running: AbortController | undefined;
let loading: AbortController | undefined;

function post(event: WorkerEvent): void {
  scope.postMessage(event);
}

function probe(): Promise<ProbedDevice> {
  probed ??= probeDevice();
  return probed;
}

async function openFiles(source: ModelSourceRequest, signal: AbortSignal): Promise<ModelFiles> {
  const onProgress = (progress: { file: string; loadedBytes: number; totalBytes: number }) =>
    post({ type: 'download', ...progress });
  switch (source.kind) {
    case 'hub':
      return cachedModelFiles(
        await listHubModel(source.endpoint, source.repo, source.revision, signal),
        onProgress,
        signal,
      );
    case 'url':
      return cachedModelFiles(await probeUrlModel(source.baseUrl, signal), onProgress, signal);
    case 'files':
      return filesFromList(source.files);
    case 'directory':
      return directoryFiles(source.handle);
  }
}

/** Picks the chat template from `tokenizer_config.json`, falling back to the built-in MiniChat one. */
function pickTemplate(tokenizerConfig: string | undefined): ChatTemplate {
  if (tokenizerConfig !== undefined) {
    const fromConfig = templateFromTokenizerConfig(tokenizerConfig);
    if (fromConfig !== undefined) return fromConfig;
  }
  return builtinTemplate('minichat');
}

/**
 * Opens the model, checks that it fits the chosen backend and uploads it. A model that does not fit is
 * reported and not uploaded. A failed or cancelled upload releases the backend.
 */
async function load(request: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  const { source, contextLength } = request;
  if (running !== undefined) {
    throw new EngineStateError('A reply is streaming; stop it before loading another model.', 'generating');
  }
  loaded?.model.dispose();
  loaded = undefined;
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  const { signal } = controller;

  try {
    const device = await probe();
    const files = await openFiles(source, signal);
    const reader = await openModel(files, { signal });
    try {
      const { maxPositionEmbeddings } = reader.config;
      const context = Math.min(contextLength ?? maxPositionEmbeddings, maxPositionEmbeddings);
      const backend = await createBackend(device, request.backend);
      const fit = checkFit(reader, backend, context);
      post({ type: 'fit', report: fit });
      if (!fit.fits) {
        backend.dispose();
        return;
      }

      const tokenizerFiles = await reader.readTokenizerFiles(signal);
      let model: Model;
      try {
        model = await loadModel({
          source: reader,
          backend,
          contextLength: context,
          signal,
          onProgress: (progress) => post({ type: 'load-progress', ...progress }),
        });
      } catch (error) {
        backend.dispose();
        throw error;
      }

      loaded = {
        model,
        template: pickTemplate(tokenizerFiles.tokenizerConfig),
        chat: undefined,
        systemPrompt: '',
      };
      post({
        type: 'loaded',
        backend: backend.name,
        description: backend.info.description,
        contextLength: model.contextLength,
      });
    } finally {
      await reader.close();
    }
  } finally {
    if (loading === controller) loading = undefined;
  }
}

/** Returns the chat session, recreated with the same history when the system prompt changed. */
function chatFor(state: LoadedModel, systemPrompt: string): ChatSession {
  if (state.chat === undefined || state.systemPrompt !== systemPrompt) {
    state.chat = state.model.createChatSession({
      template: state.template,
      renderOptions: systemPrompt === '' ? {} : { systemPrompt },
      messages: state.chat?.messages ?? [],
    });
    state.systemPrompt = systemPrompt;
  }
  return state.chat;
}

async function generate(request: Extract<WorkerRequest, { type: 'generate' }>): Promise<void> {
  if (loaded === undefined) {
    throw new EngineStateError('No model is loaded; load one before sending a message.', 'no-model');
  }
  const controller = new AbortController();
  running = controller;
  const options = { sampling: request.sampling, maxTokens: request.maxTokens, signal: controller.signal };
  const events: AsyncGenerator<GenerationEvent, void, undefined> =
    request.mode === 'chat'
      ? chatFor(loaded, request.systemPrompt).send(request.text, options)
      : loaded.model.generate({ prompt: request.text, ...options });
  const started = performance.now();
  let firstTokenAt: number | undefined;
  let tokens = 0;
  try {
    for await (const event of events) {
      if (event.type === 'token') {
        tokens += 1;
        firstTokenAt ??= performance.now();
      } else if (event.type === 'text') {
        const seconds = firstTokenAt === undefined ? 0 : (performance.now() - firstTokenAt) / 1000;
        post({
          type: 'text',
          text: event.text,
          tokens,
          tokensPerSecond: seconds > 0 ? (tokens - 1) / seconds : undefined,
        });
      } else if (event.type === 'finish') {
        post({
          type: 'finish',
          reason: event.reason,
          text: event.text,
          promptTokens: event.usage.promptTokens,
          completionTokens: event.usage.completionTokens,
          tokensPerSecond:
            event.usage.tokensPerSecond ??
            (tokens > 0 ? tokens / ((performance.now() - started) / 1000) : undefined),
        });
      }
    }
  } finally {
    if (running === controller) running = undefined;
  }
}

async function reportCache(): Promise<void> {
  const usage = await cacheUsage();
  const estimate = await navigator.storage.estimate();
  post({ type: 'cache', ...usage, quotaBytes: estimate.quota });
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'probe':
      post({ type: 'device', report: (await probe()).report });
      return;
    case 'load':
      await load(request);
      await reportCache();
      return;
    case 'generate':
      await generate(request);
      return;
    case 'stop':
      running?.abort();
      return;
    case 'cancel-load':
      loading?.abort();
      return;
    case 'new-chat':
      running?.abort();
      if (loaded !== undefined) loaded.chat = undefined;
      return;
    case 'cache-usage':
      await reportCache();
      return;
    case 'cache-clear':
      await clearCache();
      await reportCache();
      return;
  }
}

scope.onmessage = (message: MessageEvent<WorkerRequest>) => {
  const request = message.data;
  handle(request).catch((error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    post({ type: 'error', during: request.type, name: failure.name, message: failure.message });
  });
};
