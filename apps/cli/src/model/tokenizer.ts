import type { TokenizerFiles } from '@minichat/exl2-format';
import { loadTokenizer, type Tokenizer } from '@minichat/tokenizer';
import { CliError, ExitCode } from '../errors.js';

/** A tokenizer loaded from a model's files, with the file it came from. */
export interface ModelTokenizer {
  /** The tokenizer. */
  tokenizer: Tokenizer;
  /** File name it was loaded from. */
  file: string;
  /** Format of that file. */
  kind: 'sentencepiece' | 'tokenizer.json' | 'llama2.c';
}

/**
 * Loads the tokenizer of a model with `@minichat/tokenizer`'s `loadTokenizer`, which prefers
 * `tokenizer.model` over `tokenizer.json` over a llama2.c `tokenizer.bin` and reads `add_bos_token`
 * and `add_eos_token` from `tokenizer_config.json`. Returns `undefined` when the model has none of
 * these files.
 */
export function loadModelTokenizer(files: TokenizerFiles): ModelTokenizer | undefined {
  const { tokenizerModel, tokenizerJson, llama2cTokenizer, tokenizerConfig } = files;
  let file: string;
  let kind: ModelTokenizer['kind'];
  if (tokenizerModel !== undefined) {
    file = 'tokenizer.model';
    kind = 'sentencepiece';
  } else if (tokenizerJson !== undefined) {
    file = 'tokenizer.json';
    kind = 'tokenizer.json';
  } else if (llama2cTokenizer !== undefined) {
    file = 'tokenizer.bin';
    kind = 'llama2.c';
  } else {
    return undefined;
  }
  const tokenizer = loadTokenizer({
    ...(tokenizerModel === undefined ? {} : { tokenizerModel }),
    ...(tokenizerJson === undefined ? {} : { tokenizerJson }),
    ...(llama2cTokenizer === undefined ? {} : { llama2cTokenizer }),
    ...(tokenizerConfig === undefined ? {} : { tokenizerConfig }),
  });
  return { tokenizer, file, kind };
}

/** Loads the model's tokenizer or raises an error that names the files a model needs. */
export function requireModelTokenizer(files: TokenizerFiles, modelName: string): ModelTokenizer {
  const loaded = loadModelTokenizer(files);
  if (loaded === undefined) {
    throw new CliError(
      `Model ${modelName} has no tokenizer: expected tokenizer.model, tokenizer.json or a llama2.c tokenizer.bin beside config.json.`,
      ExitCode.invalidInput,
    );
  }
  return loaded;
}
