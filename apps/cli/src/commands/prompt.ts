import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ChatMessage } from '@minichat/chat-template';
import type { CliIo, CommandSpec } from '../args/command.js';
import { flagOption, requiredStringOption, stringOption } from '../args/options.js';
import { CliError, ExitCode, InputNotFoundError } from '../errors.js';
import { openModelArgument } from '../model/open.js';
import { selectChatTemplate } from '../model/template.js';
import { requireModelTokenizer } from '../model/tokenizer.js';
import { hubOptions, readHubSettings } from './shared-options.js';

/** Largest messages file read, in bytes; a conversation that fits any context window is far smaller. */
const MAX_MESSAGES_FILE_BYTES = 16 * 1024 * 1024;

/** Reads the messages file (`-` is stdin) and checks that it is a JSON array of role/content objects. */
async function readMessages(path: string, io: CliIo): Promise<ChatMessage[]> {
  let text: string;
  if (path === '-') {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of io.stdin as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > MAX_MESSAGES_FILE_BYTES) {
        throw new CliError(
          `The messages on stdin exceed the ${MAX_MESSAGES_FILE_BYTES}-byte limit.`,
          ExitCode.invalidInput,
        );
      }
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    const absolute = resolve(io.cwd, path);
    const size = await stat(absolute).then(
      (info) => info.size,
      (error: unknown) => {
        throw new InputNotFoundError(`Messages file ${absolute} not found.`, path, { cause: error });
      },
    );
    if (size > MAX_MESSAGES_FILE_BYTES) {
      throw new CliError(
        `Messages file ${absolute} is ${size} bytes, more than the ${MAX_MESSAGES_FILE_BYTES}-byte limit.`,
        ExitCode.invalidInput,
      );
    }
    text = await readFile(absolute, 'utf8');
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `Messages file ${path} is not valid JSON: ${(error as Error).message}`,
      ExitCode.invalidInput,
      { cause: error },
    );
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as Record<string, unknown>).role === 'string' &&
        typeof (entry as Record<string, unknown>).content === 'string',
    );
  if (!valid) {
    throw new CliError(
      `Messages file ${path} must contain a JSON array of {"role": ..., "content": ...} objects with string values.`,
      ExitCode.invalidInput,
    );
  }
  // Roles are checked by the template, which names the invalid one and lists the valid roles.
  return parsed as ChatMessage[];
}

/** `minichat prompt`: prints the rendered chat prompt and the exact token ids fed to the model. */
export const promptCommand: CommandSpec = {
  name: 'prompt',
  summary: 'Render a conversation with the chat template and show the token ids the model sees',
  usage: ['prompt --model M --messages FILE [--system TEXT] [--template NAME] [--json]'],
  description:
    'Renders the conversation in FILE (a JSON array of {"role", "content"} objects; - reads stdin) with the ' +
    "model's chat template, opens the assistant turn, and tokenizes the result the way generation does: BOS " +
    'as the tokenizer config says, special tokens only in template markup. Prints the prompt, or ' +
    '{"prompt": "...", "ids": [...]} with --json.',
  options: {
    model: {
      type: 'string',
      short: 'm',
      valueName: 'M',
      description: 'Model: directory, hub repo id or URL.',
    },
    messages: {
      type: 'string',
      valueName: 'FILE',
      description: 'JSON file with the conversation, or - for stdin.',
    },
    system: {
      type: 'string',
      valueName: 'TEXT',
      description: 'System prompt, used when the conversation has no system message.',
      defaultText: "the template's own (MiniChat has one)",
    },
    template: {
      type: 'string',
      valueName: 'NAME',
      description:
        "Built-in chat template to use instead of the model's: minichat, llama-2, chatml or vicuna.",
    },
    json: { type: 'boolean', description: 'Print {"prompt": "...", "ids": [...]}.' },
    ...hubOptions,
  },
  examples: ['prompt --model ./MiniChat-2-3B-exl2 --messages chat.json --json'],
  async run(args, context) {
    const model = requiredStringOption(args, 'model');
    const messages = await readMessages(requiredStringOption(args, 'messages'), context.io);
    const opened = await openModelArgument(model, context.io, {
      hub: readHubSettings(args, context.io),
      access: 'remote',
      log: context.log,
      signal: context.signal,
    });
    try {
      const tokenizerFiles = await opened.reader.readTokenizerFiles(context.signal);
      const { tokenizer } = requireModelTokenizer(tokenizerFiles, opened.argument);
      const { template } = selectChatTemplate({
        requested: stringOption(args, 'template'),
        tokenizerConfig: tokenizerFiles.tokenizerConfig,
        config: opened.reader.config,
        modelName: opened.argument,
      });
      const system = stringOption(args, 'system');
      const rendered = template.render(messages, system === undefined ? {} : { systemPrompt: system });
      const ids = tokenizer.encode(rendered.parts);
      context.io.stdout.write(
        flagOption(args, 'json')
          ? `${JSON.stringify({ prompt: rendered.text, ids })}\n`
          : `${rendered.text}\n`,
      );
    } finally {
      await opened.reader.close();
    }
    return 0;
  },
};
