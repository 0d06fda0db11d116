import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Tokenizer } from '@minichat/tokenizer';
import { loadLlama2cTokenizer, loadSentencePieceModel, loadTokenizerJson } from '@minichat/tokenizer';
import type { CliIo, CommandContext, CommandSpec } from '../args/command.js';
import type { ParsedArgs } from '../args/options.js';
import { flagOption, stringOption } from '../args/options.js';
import { InputNotFoundError, UsageError } from '../errors.js';
import { openModelArgument } from '../model/open.js';
import { requireModelTokenizer } from '../model/tokenizer.js';
import { hubOptions, readHubSettings } from './shared-options.js';

/** Largest tokenizer file `--tokenizer` reads; LLaMA-family tokenizer files are a few MB. */
const MAX_TOKENIZER_FILE_BYTES = 64 * 1024 * 1024;
/** Most ids `--decode` accepts, to keep a mistyped argument from allocating without bound. */
const MAX_DECODE_IDS = 1_000_000;

/** Loads a tokenizer file given with `--tokenizer`: a llama2.c `.bin`, an HF `tokenizer.json` or a SentencePiece `.model`. */
async function loadTokenizerFile(path: string, io: CliIo): Promise<Tokenizer> {
  const absolute = resolve(io.cwd, path);
  let size: number;
  try {
    size = (await stat(absolute)).size;
  } catch (error) {
    throw new InputNotFoundError(`Tokenizer file ${absolute} not found.`, path, { cause: error });
  }
  if (size > MAX_TOKENIZER_FILE_BYTES) {
    throw new InputNotFoundError(
      `Tokenizer file ${absolute} is ${size} bytes, more than the ${MAX_TOKENIZER_FILE_BYTES}-byte limit; it is not a tokenizer.`,
      path,
    );
  }
  const bytes = new Uint8Array(await readFile(absolute));
  if (absolute.endsWith('.bin')) return loadLlama2cTokenizer(bytes);
  if (absolute.endsWith('.json')) return loadTokenizerJson(bytes);
  return loadSentencePieceModel(bytes);
}

/** Loads the tokenizer from `--tokenizer FILE` or from the model of `--model M`. */
async function loadRequestedTokenizer(args: ParsedArgs, context: CommandContext): Promise<Tokenizer> {
  const file = stringOption(args, 'tokenizer');
  const model = stringOption(args, 'model');
  if ((file === undefined) === (model === undefined)) {
    throw new UsageError('Pass exactly one of --model M and --tokenizer FILE.', args.command);
  }
  if (file !== undefined) return loadTokenizerFile(file, context.io);

  const opened = await openModelArgument(model ?? '', context.io, {
    hub: readHubSettings(args, context.io),
    access: 'remote',
    log: context.log,
    signal: context.signal,
  });
  try {
    return requireModelTokenizer(await opened.reader.readTokenizerFiles(context.signal), opened.argument)
      .tokenizer;
  } finally {
    await opened.reader.close();
  }
}

/** Parses `--decode 1,2,3` (commas and/or spaces) into ids within the vocabulary. */
export function parseIdList(text: string, command: string): number[] {
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length > MAX_DECODE_IDS) {
    throw new UsageError(
      `--decode lists ${parts.length} ids, more than the limit of ${MAX_DECODE_IDS}.`,
      command,
    );
  }
  return parts.map((part) => {
    if (!/^\d+$/.test(part)) {
      throw new UsageError(
        `Invalid token id '${part}' in --decode. Expected non-negative integers such as 1,2,3.`,
        command,
      );
    }
    return Number(part);
  });
}

/** `minichat tokenize`: shows the ids and pieces of a text, or the text of ids. */
export const tokenizeCommand: CommandSpec = {
  name: 'tokenize',
  summary: 'Show the token ids and pieces of a text, or decode ids back to text',
  usage: [
    'tokenize (--model M | --tokenizer FILE) --text TEXT [--json] [--no-bos] [--parse-special]',
    'tokenize (--model M | --tokenizer FILE) --decode IDS [--json]',
  ],
  description:
    "Encodes TEXT with the model's tokenizer, adding BOS as its tokenizer_config.json says, and prints one " +
    'line per token (id and piece), or {"ids": [...], "pieces": [...]} with --json. --decode prints the text of ' +
    'a comma-separated id list. For debugging prompts; Chinese text works like any other.',
  options: {
    model: {
      type: 'string',
      short: 'm',
      valueName: 'M',
      description: 'Model whose tokenizer to use: directory, hub repo id or URL.',
    },
    tokenizer: {
      type: 'string',
      valueName: 'FILE',
      description:
        'Tokenizer file to use instead of a model: a SentencePiece .model, an HF tokenizer.json or a llama2.c .bin.',
    },
    text: { type: 'string', valueName: 'TEXT', description: 'Text to encode.' },
    decode: {
      type: 'string',
      valueName: 'IDS',
      description: 'Token ids to decode, separated by commas, such as 1,450,4996.',
    },
    json: {
      type: 'boolean',
      description: 'Print JSON: {"ids", "pieces"} for --text, {"text"} for --decode.',
    },
    'no-bos': {
      type: 'boolean',
      description: 'Do not add BOS, even when tokenizer_config.json sets add_bos_token.',
    },
    'parse-special': {
      type: 'boolean',
      description:
        'Turn special-token strings in TEXT (such as </s>) into their ids instead of encoding them as text.',
    },
    ...hubOptions,
  },
  examples: [
    'tokenize --model ./stories260K-exl2 --text "Once upon a time" --json',
    'tokenize --tokenizer tokenizer.model --text "你好，世界"',
    'tokenize --model ./stories260K-exl2 --decode 1,403,407',
  ],
  async run(args, context) {
    const text = stringOption(args, 'text');
    const decode = stringOption(args, 'decode');
    if ((text === undefined) === (decode === undefined)) {
      throw new UsageError('Pass exactly one of --text TEXT and --decode IDS.', args.command);
    }
    const tokenizer = await loadRequestedTokenizer(args, context);
    const { stdout } = context.io;
    const json = flagOption(args, 'json');

    if (decode !== undefined) {
      const decoded = tokenizer.decode(parseIdList(decode, args.command));
      stdout.write(json ? `${JSON.stringify({ text: decoded })}\n` : `${decoded}\n`);
      return 0;
    }

    const ids = tokenizer.encode(text ?? '', {
      ...(flagOption(args, 'no-bos') ? { addBos: false } : {}),
      parseSpecial: flagOption(args, 'parse-special'),
    });
    const pieces = ids.map((id) => tokenizer.idToPiece(id));
    if (json) {
      stdout.write(`${JSON.stringify({ ids, pieces })}\n`);
    } else {
      for (let index = 0; index < ids.length; index += 1) {
        stdout.write(`${String(ids[index]).padStart(6)}  ${JSON.stringify(pieces[index])}\n`);
      }
      context.log.info(`${ids.length} tokens`);
    }
    return 0;
  },
};
