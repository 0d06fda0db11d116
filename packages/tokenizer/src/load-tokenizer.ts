import { TokenizerArgumentError, TokenizerLimitError } from './errors.js';
import { decodeJsonText, JsonFields } from './json-fields.js';
import { loadLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import type { Tokenizer } from './tokenizer.js';
import { loadTokenizerJson } from './tokenizer-json.js';

/** Largest `tokenizer_config.json`. Real ones are a few kB, or a few hundred kB with a long chat template. */
export const MAX_TOKENIZER_CONFIG_BYTES = 16 * 1024 * 1024;

/** The tokenizer files of a model folder; give at least one of the first three. */
export interface TokenizerFiles {
  /** SentencePiece `tokenizer.model` bytes; preferred when present. */
  tokenizerModel?: Uint8Array;
  /** Hugging Face `tokenizer.json` bytes; used when there is no `tokenizer.model`. */
  tokenizerJson?: Uint8Array;
  /** llama2.c tokenizer `.bin` bytes; used when neither of the others is given. */
  llama2cTokenizer?: Uint8Array;
  /** `tokenizer_config.json` (bytes or text); supplies `add_bos_token`, `add_eos_token` and the special token names. */
  tokenizerConfig?: Uint8Array | string;
}

/** Settings read from `tokenizer_config.json`. */
export interface TokenizerConfig {
  /** `add_bos_token`, when the file sets it. */
  addBosToken?: boolean;
  /** `add_eos_token`, when the file sets it. */
  addEosToken?: boolean;
  /** `bos_token` content, when the file sets it. */
  bosToken?: string;
  /** `eos_token` content, when the file sets it. */
  eosToken?: string;
  /** `pad_token` content, when the file sets it. */
  padToken?: string;
}

const fields = new JsonFields('tokenizer-config');

/**
 * Parses the fields of a Hugging Face `tokenizer_config.json` that affect encoding. A special token
 * may be a string or an object with `content`, as Transformers writes either.
 *
 * @throws TokenizerFormatError when the file is not JSON or a field has the wrong type.
 */
export function parseTokenizerConfig(input: Uint8Array | string): TokenizerConfig {
  const size = typeof input === 'string' ? input.length : input.length;
  if (size > MAX_TOKENIZER_CONFIG_BYTES) {
    throw new TokenizerLimitError(
      'tokenizer-config',
      'file size',
      size,
      'MAX_TOKENIZER_CONFIG_BYTES',
      MAX_TOKENIZER_CONFIG_BYTES,
    );
  }
  const root = fields.object(fields.parse(decodeJsonText(input, 'tokenizer-config'), 'input'), '(root)');
  const config: TokenizerConfig = {};
  if (root.add_bos_token !== undefined && root.add_bos_token !== null) {
    config.addBosToken = fields.optionalBoolean(root.add_bos_token, 'add_bos_token', true);
  }
  if (root.add_eos_token !== undefined && root.add_eos_token !== null) {
    config.addEosToken = fields.optionalBoolean(root.add_eos_token, 'add_eos_token', false);
  }
  const token = (name: 'bos_token' | 'eos_token' | 'pad_token'): string | undefined => {
    const value = root[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    return fields.string(fields.object(value, name).content, `${name}.content`);
  };
  const bosToken = token('bos_token');
  const eosToken = token('eos_token');
  const padToken = token('pad_token');
  if (bosToken !== undefined) config.bosToken = bosToken;
  if (eosToken !== undefined) config.eosToken = eosToken;
  if (padToken !== undefined) config.padToken = padToken;
  return config;
}

/**
 * Loads a tokenizer from the files of a model folder. It prefers `tokenizer.model`, then
 * `tokenizer.json`, then a llama2.c `.bin`, and applies `add_bos_token`/`add_eos_token` from
 * `tokenizer_config.json` when given.
 *
 * @throws TokenizerArgumentError when no tokenizer file is given.
 * @throws TokenizerError subclasses from the loader of the chosen file.
 */
export function loadTokenizer(files: TokenizerFiles): Tokenizer {
  if (files === null || typeof files !== 'object') {
    throw new TokenizerArgumentError(
      'files',
      files,
      'an object with tokenizerModel, tokenizerJson or llama2cTokenizer bytes',
    );
  }
  const config = files.tokenizerConfig === undefined ? {} : parseTokenizerConfig(files.tokenizerConfig);
  const flags = {
    ...(config.addBosToken === undefined ? {} : { addBosToken: config.addBosToken }),
    ...(config.addEosToken === undefined ? {} : { addEosToken: config.addEosToken }),
  };
  if (files.tokenizerModel !== undefined) return loadSentencePieceModel(files.tokenizerModel, flags);
  if (files.tokenizerJson !== undefined) {
    return loadTokenizerJson(files.tokenizerJson, {
      ...flags,
      ...(config.bosToken === undefined ? {} : { bosToken: config.bosToken }),
      ...(config.eosToken === undefined ? {} : { eosToken: config.eosToken }),
      ...(config.padToken === undefined ? {} : { padToken: config.padToken }),
    });
  }
  if (files.llama2cTokenizer !== undefined) return loadLlama2cTokenizer(files.llama2cTokenizer, flags);
  throw new TokenizerArgumentError(
    'files',
    files,
    'at least one of tokenizerModel, tokenizerJson or llama2cTokenizer; a model folder needs tokenizer.model or tokenizer.json',
  );
}
