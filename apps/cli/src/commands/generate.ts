import type { FinishEvent, Model } from '@minichat/runtime';
import type { Tokenizer } from '@minichat/tokenizer';
import type { CommandSpec } from '../args/command.js';
import { flagOption, type ParsedArgs, requiredStringOption, stringOption } from '../args/options.js';
import { createBackend } from '../backend.js';
import { InterruptedError } from '../errors.js';
import { loadRuntimeModel } from '../model/load.js';
import { type OpenedModel, openModelArgument } from '../model/open.js';
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

/** Prompt ids and stop conditions of one `generate` call. */
interface PromptRequest {
  /** Token ids fed to the model, with BOS when tokenizer_config.json enables add_bos_token. */
  promptIds: number[];
  /** Token ids that end generation: the model's EOS ids and the template's. */
  stopTokenIds: number[];
  /** Strings that end generation, from the template. */
  stopStrings: string[];
}

/** Encodes the prompt: as plain text with `--raw`, else as one user message through the chat template. */
function buildPrompt(
  args: ParsedArgs,
  prompt: string,
  opened: OpenedModel,
  tokenizer: Tokenizer,
  tokenizerConfig: string | undefined,
): PromptRequest {
  const modelStopIds = opened.reader.config.eosTokenId;
  if (flagOption(args, 'raw')) {
    return { promptIds: tokenizer.encode(prompt), stopTokenIds: [...modelStopIds], stopStrings: [] };
  }
  const { template } = selectChatTemplate({
    requested: stringOption(args, 'template'),
    tokenizerConfig,
    config: opened.reader.config,
    modelName: opened.argument,
  });
  const system = stringOption(args, 'system');
  const rendered = template.render(
    [{ role: 'user', content: prompt }],
    system === undefined ? {} : { systemPrompt: system },
  );
  return {
    promptIds: tokenizer.encode(rendered.parts),
    stopTokenIds: [...new Set([...modelStopIds, ...template.stop.eosTokenIds])],
    stopStrings: template.stop.stopStrings,
  };
}

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
    const json = flagOption(args, 'json');
    // Check the option values before a model is opened or downloaded.
    readSamplingSettings(args, undefined);
    readContextLength(args);
    const opened = await openModelArgument(readModelArgument(args), context.io, {
      hub: readHubSettings(args, context.io),
      access: 'pull',
      log: context.log,
      signal: context.signal,
    });
    try {
      const { maxTokens, ...sampling } = readSamplingSettings(args, opened.reader.generationConfig);
      const contextLength = readContextLength(args);
      const tokenizerFiles = await opened.reader.readTokenizerFiles(context.signal);
      const { tokenizer } = requireModelTokenizer(tokenizerFiles, opened.argument);
      const request = buildPrompt(args, prompt, opened, tokenizer, tokenizerFiles.tokenizerConfig);

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
        const events = model.generate({
          promptTokens: request.promptIds,
          maxTokens,
          sampling: toRuntimeSampling(sampling),
          stop: request.stopStrings,
          stopTokens: request.stopTokenIds,
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
          const output = { text, ids, promptIds: request.promptIds, finishReason, usage };
          context.io.stdout.write(`${JSON.stringify(output)}\n`);
        }
        context.log.info(`\n${formatUsage(finish)}`);
      } finally {
        model?.dispose();
        backend.dispose();
      }
    } finally {
      await opened.reader.close();
    }
    return 0;
  },
};
