import type { FinishEvent, Model } from '@minichat/runtime';
import type { CommandSpec } from '../args/command.js';
import { flagOption, requiredStringOption, stringOption } from '../args/options.js';
import { createBackend } from '../backend.js';
import { InterruptedError } from '../errors.js';
import { loadRuntimeModel } from '../model/load.js';
import { openModelArgument } from '../model/open.js';
import { selectChatTemplate } from '../model/template.js';
import { requireModelTokenizer } from '../model/tokenizer.js';
import {
  backendOption,
  formatUsage,
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

/** `minichat generate`: one completion to stdout. */
export const generateCommand: CommandSpec = {
  name: 'generate',
  summary: 'Generate one completion for a prompt and print it to stdout',
  usage: ['generate --prompt TEXT [--raw] [--json] [--model M] [--backend B] [sampling options]'],
  description:
    "Sends TEXT as one user message through the model's chat template (or, with --raw, as plain text for " +
    'base models such as stories260K) and streams the reply to stdout: only the generated text, without the ' +
    'leading space of the first piece and without a trailing newline. An empty prompt with --raw starts ' +
    'from BOS alone. --json prints the text, the token ids and usage instead.',
  options: {
    prompt: {
      type: 'string',
      short: 'p',
      valueName: 'TEXT',
      description: 'Prompt text (may be empty with --raw).',
    },
    raw: { type: 'boolean', description: 'Skip the chat template: continue TEXT as plain text.' },
    json: {
      type: 'boolean',
      description:
        'Print {"text", "ids", "promptIds", "finishReason", "usage"} as JSON after generation ends.',
    },
    system: {
      type: 'string',
      short: 's',
      valueName: 'TEXT',
      description: 'System prompt for the chat template (ignored with --raw).',
      defaultText: "the template's own",
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
    'generate --prompt "What is 2+2?"',
    'generate --model ./stories260K --raw --prompt "" --temperature 0 --max-tokens 200',
    'generate --model cgus/MiniChat-2-3B-exl2@5bpw-h8 --prompt "你好" --json',
  ],
  async run(args, context) {
    const prompt = requiredStringOption(args, 'prompt');
    const raw = flagOption(args, 'raw');
    const json = flagOption(args, 'json');
    const opened = await openModelArgument(readModelArgument(args), context.io, {
      hub: readHubSettings(args, context.io),
      access: 'pull',
      log: context.log,
      signal: context.signal,
    });
    const sampling = readSamplingSettings(args, opened.reader.generationConfig);
    const contextLength = readContextLength(args);
    const tokenizerFiles = await opened.reader.readTokenizerFiles(context.signal);
    const { tokenizer } = requireModelTokenizer(tokenizerFiles, opened.argument);

    let promptIds: number[];
    let stopTokenIds: number[] = [...opened.reader.config.eosTokenId];
    let stopStrings: string[] = [];
    if (raw) {
      promptIds = tokenizer.encode(prompt);
    } else {
      const { template } = selectChatTemplate({
        requested: stringOption(args, 'template'),
        tokenizerConfig: tokenizerFiles.tokenizerConfig,
        config: opened.reader.config,
        modelName: opened.argument,
      });
      const system = stringOption(args, 'system');
      const rendered = template.render(
        [{ role: 'user', content: prompt }],
        system === undefined ? {} : { systemPrompt: system },
      );
      promptIds = tokenizer.encode(rendered.parts);
      stopTokenIds = [...new Set([...stopTokenIds, ...template.stop.eosTokenIds])];
      stopStrings = template.stop.stopStrings;
    }

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
      const { maxTokens, ...samplingOptions } = sampling;
      const events = model.generate({
        promptTokens: promptIds,
        maxTokens,
        sampling: toRuntimeSampling(samplingOptions),
        stop: stopStrings,
        stopTokens: stopTokenIds,
        // The output is only the generated text, so the SentencePiece space of its first piece goes.
        stripLeadingSpace: true,
        signal: context.signal,
      });
      let finish: FinishEvent | undefined;
      for await (const event of events) {
        if (event.type === 'text' && !json) context.io.stdout.write(event.text);
        if (event.type === 'finish') finish = event;
      }
      if (finish === undefined) throw new Error('The generation ended without a finish event.');
      if (finish.reason === 'abort') throw new InterruptedError();
      if (json) {
        const { text, tokens: ids, reason: finishReason, usage } = finish;
        context.io.stdout.write(`${JSON.stringify({ text, ids, promptIds, finishReason, usage })}\n`);
      }
      context.log.info(`\n${formatUsage(finish)}`);
    } finally {
      model?.dispose();
      backend.dispose();
      await opened.reader.close();
    }
    return 0;
  },
};
