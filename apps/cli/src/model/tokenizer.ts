import type { TokenizerFiles } from '@minichat/exl2-format';
import {
  type LoadTokenizerOptions,
  loadLlama2cTokenizer,
  loadSentencePieceModel,
  type Tokenizer,
} from '@minichat/tokenizer';
import { CliError, ExitCode } from '../errors.js';

/** A tokenizer loaded from a model's files, with the file it came from. */
export interface ModelTokenizer {
  /** The tokenizer. */
  tokenizer: Tokenizer;
  /** File name it was loaded from. */
  file: string;
  /** Format of that file. */
  kind: 'sentencepiece' | 'llama2.c';
}

/**
 * Reads `add_bos_token` and `add_eos_token` from `tokenizer_config.json` text. Absent keys stay
 * undefined so the tokenizer's own defaults (BOS yes, EOS no for LLaMA) apply.
 */
export function tokenizerConfigFlags(text: string | undefined): LoadTokenizerOptions {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `tokenizer_config.json is not valid JSON: ${(error as Error).message}`,
      ExitCode.invalidInput,
      {
        cause: error,
      },
    );
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const flags: LoadTokenizerOptions = {};
  if (typeof record.add_bos_token === 'boolean') flags.addBosToken = record.add_bos_token;
  if (typeof record.add_eos_token === 'boolean') flags.addEosToken = record.add_eos_token;
  return flags;
}

/**
 * Loads the tokenizer of a model: `tokenizer.model` (SentencePiece), else a llama2.c
 * `tokenizer.bin`, with `add_bos_token` and `add_eos_token` from `tokenizer_config.json`.
 * Returns `undefined` when the model has neither file.
 */
export function loadModelTokenizer(files: TokenizerFiles): ModelTokenizer | undefined {
  const flags = tokenizerConfigFlags(files.tokenizerConfig);
  if (files.tokenizerModel !== undefined) {
    return {
      tokenizer: loadSentencePieceModel(files.tokenizerModel, flags),
      file: 'tokenizer.model',
      kind: 'sentencepiece',
    };
  }
  if (files.llama2cTokenizer !== undefined) {
    return {
      tokenizer: loadLlama2cTokenizer(files.llama2cTokenizer, flags),
      file: 'tokenizer.bin',
      kind: 'llama2.c',
    };
  }
  // NOTE: a model with only tokenizer.json is rejected here because @minichat/tokenizer has no
  // tokenizer.json loader yet.
  return undefined;
}

/** Loads the model's tokenizer or raises an error that names the files a model needs. */
export function requireModelTokenizer(files: TokenizerFiles, modelName: string): ModelTokenizer {
  const loaded = loadModelTokenizer(files);
  if (loaded === undefined) {
    throw new CliError(
      `Model ${modelName} has no tokenizer: expected tokenizer.model (SentencePiece) or a llama2.c tokenizer.bin beside config.json.`,
      ExitCode.invalidInput,
    );
  }
  return loaded;
}
