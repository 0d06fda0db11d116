// The browser test page. It loads stories260K from the test server into memory, runs it on the CPU
// backend and sends OpenAI-shaped requests to the in-process engine. The outcome lands in
// `globalThis.minichatResult`.
import { builtinTemplate } from '@minichat/chat-template';
import { memoryFiles, openModel } from '@minichat/exl2-format';
import { loadModel } from '@minichat/runtime';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { createEngine } from '../index.js';

/** Results the page reports to the test. */
export interface BrowserPageResult {
  /** Greedy completion from BOS, 200 tokens. */
  completion?: string;
  /** Its usage. */
  completionUsage?: unknown;
  /** A greedy chat reply, whole. */
  chat?: string;
  /** The same chat request streamed, joined. */
  streamedChat?: string;
  /** Completion tokens from the stream's usage chunk. */
  streamedTokens?: number;
  /** Completion tokens of the whole chat response. */
  chatTokens?: number;
  /** Message of an error thrown by the page. */
  error?: string;
}

async function run(): Promise<BrowserPageResult> {
  const names = (await (await fetch('/files.json')).json()) as string[];
  const entries: Record<string, Uint8Array> = {};
  for (const name of names)
    entries[name] = new Uint8Array(await (await fetch(`/model/${name}`)).arrayBuffer());
  const reader = await openModel(memoryFiles(entries));
  const model = await loadModel({ source: reader, backend: createCpuBackend(), kvCacheDtype: 'f32' });
  const engine = createEngine({ model, modelId: 'stories260k', chatTemplate: builtinTemplate('chatml') });

  const completion = await engine.completions.create({ prompt: '', max_tokens: 200, temperature: 0 });
  const request = {
    messages: [{ role: 'user' as const, content: 'Tell me a story.' }],
    max_tokens: 24,
    temperature: 0,
  };
  const chat = await engine.chat.completions.create(request);
  const stream = await engine.chat.completions.create({
    ...request,
    stream: true,
    stream_options: { include_usage: true },
  });
  let streamedChat = '';
  let streamedTokens: number | undefined;
  for await (const chunk of stream) {
    streamedChat += chunk.choices[0]?.delta.content ?? '';
    streamedTokens = chunk.usage?.completion_tokens ?? streamedTokens;
  }
  return {
    completion: completion.choices[0]?.text,
    completionUsage: completion.usage,
    chat: chat.choices[0]?.message.content,
    chatTokens: chat.usage.completion_tokens,
    streamedChat,
    streamedTokens,
  };
}

run().then(
  (result) => {
    (globalThis as { minichatResult?: BrowserPageResult }).minichatResult = result;
  },
  (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    (globalThis as { minichatResult?: BrowserPageResult }).minichatResult = { error: message };
  },
);
