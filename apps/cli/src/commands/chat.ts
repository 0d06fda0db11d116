import type { Model } from '@minichat/runtime';
import type { CommandSpec } from '../args/command.js';
import { stringOption } from '../args/options.js';
import { createBackend } from '../backend.js';
import { runChatRepl } from '../chat/repl.js';
import { RuntimeReplSession } from '../chat/runtime-session.js';
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
  readSamplingSettings,
  samplingOptions,
  toRuntimeSampling,
} from './generation-options.js';
import { hubOptions, readHubSettings } from './shared-options.js';

/** `minichat chat`: the interactive chat. */
export const chatCommand: CommandSpec = {
  name: 'chat',
  summary: 'Chat with a model in the terminal (MiniChat-2-3B by default)',
  usage: ['chat [--model M] [--backend B] [--system TEXT] [--template NAME] [sampling options]'],
  description:
    'Starts an interactive, multi-turn chat. Replies stream as they are generated and the conversation stays ' +
    'in the KV cache, so each turn computes only the new text. Ctrl-C stops the current reply; /reset, ' +
    '/system TEXT, /settings, /help and /quit (or Ctrl-D) control the session. Tokens per second show after ' +
    'each reply. Lines can also be piped in on stdin, one message per line.',
  options: {
    system: {
      type: 'string',
      short: 's',
      valueName: 'TEXT',
      description: 'System prompt.',
      defaultText: "the template's own (MiniChat's Chinese system text)",
    },
    template: {
      type: 'string',
      valueName: 'NAME',
      description: "Built-in chat template (minichat, llama-2, chatml, vicuna) instead of the model's own.",
    },
    ...modelOption,
    ...backendOption,
    ...samplingOptions,
    ...hubOptions,
  },
  examples: [
    'chat',
    'chat --model cgus/MiniChat-2-3B-exl2@5bpw-h8 --backend webgpu --temperature 0.7',
    'chat --model ./MiniChat-2-3B-exl2 --system "You are a helpful assistant." --max-tokens 512',
  ],
  async run(args, context) {
    // Check the option values before a model is opened or downloaded.
    readSamplingSettings(args, undefined);
    const opened = await openModelArgument(readModelArgument(args), context.io, {
      hub: readHubSettings(args, context.io),
      access: 'pull',
      log: context.log,
      signal: context.signal,
    });
    try {
      const { maxTokens, ...sampling } = readSamplingSettings(args, opened.reader.generationConfig);
      const tokenizerFiles = await opened.reader.readTokenizerFiles(context.signal);
      const { tokenizer } = requireModelTokenizer(tokenizerFiles, opened.argument);
      const choice = selectChatTemplate({
        requested: stringOption(args, 'template'),
        tokenizerConfig: tokenizerFiles.tokenizerConfig,
        config: opened.reader.config,
        modelName: opened.argument,
      });
      const contextLength = readContextLength(args);

      const backend = await createBackend(readBackendName(args), context.log);
      let model: Model | undefined;
      try {
        model = await loadRuntimeModel({
          reader: opened.reader,
          backend,
          tokenizer,
          contextLength,
          kvCache: readKvCache(args),
          log: context.log,
          signal: context.signal,
        });
        const session = new RuntimeReplSession({
          model,
          template: choice.template,
          systemPrompt: stringOption(args, 'system'),
          sampling: toRuntimeSampling(sampling),
          maxTokens,
          settings: [
            `Model: ${opened.argument} (${opened.files.location})`,
            `Backend: ${backend.name}, ${backend.info.description}`,
            `Chat template: ${choice.template.name} (${choice.source})`,
          ],
        });
        return await runChatRepl({
          io: context.io,
          session,
          signal: context.signal,
          banner: [
            `Chatting with ${opened.argument} on ${backend.name} (template ${choice.template.name}, context ${model.contextLength} tokens).`,
            'Type /help for commands. Ctrl-C stops a reply; /quit or Ctrl-D exits.',
          ],
        });
      } finally {
        model?.dispose();
        backend.dispose();
      }
    } finally {
      await opened.reader.close();
    }
  },
};
