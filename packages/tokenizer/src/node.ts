import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { TokenizerArgumentError, TokenizerError } from './errors.js';
import { MAX_LLAMA2C_FILE_BYTES, MAX_MODEL_FILE_BYTES, MAX_TOKENIZER_JSON_BYTES } from './limits.js';
import { loadLlama2cTokenizer } from './llama2c-tokenizer.js';
import { type LoadTokenizerOptions, loadSentencePieceModel } from './load-sentencepiece.js';
import type { Tokenizer } from './tokenizer.js';
import { loadTokenizerJson } from './tokenizer-json.js';

/** File formats {@link loadTokenizerFile} recognises. */
export type TokenizerFileKind = 'sentencepiece-model' | 'tokenizer-json' | 'llama2c-tokenizer';

/**
 * Reads a tokenizer file and loads it, choosing the loader with {@link detectTokenizerFormat}.
 *
 * @throws TokenizerError when the file cannot be read, its format is unknown, or its loader rejects it.
 */
export async function loadTokenizerFile(
  path: string,
  options: LoadTokenizerOptions = {},
): Promise<Tokenizer> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TokenizerArgumentError('path', path, 'a file path');
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    const limit = Math.max(MAX_MODEL_FILE_BYTES, MAX_TOKENIZER_JSON_BYTES, MAX_LLAMA2C_FILE_BYTES);
    if (info.size > limit) {
      throw new TokenizerError(
        `Failed to load ${path}: the file has ${info.size} bytes, more than any tokenizer format allows (${limit}).`,
      );
    }
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if (error instanceof TokenizerError) throw error;
    throw new TokenizerError(`Failed to read tokenizer file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const kind = detectTokenizerFormat(bytes, basename(path));
  if (kind === 'tokenizer-json') return loadTokenizerJson(bytes, options);
  if (kind === 'llama2c-tokenizer') return loadLlama2cTokenizer(bytes, options);
  return loadSentencePieceModel(bytes, options);
}

/**
 * Determines the format of tokenizer bytes from the file name's extension (`.model`, `.json`,
 * `.bin`), or from the content when the name has none of these. By content, `{` starts JSON and the
 * protobuf `pieces` tag 0x0A starts a SentencePiece model. A llama2.c `.bin` has no magic number,
 * so it needs its extension.
 *
 * @throws TokenizerError when the format is not recognised.
 */
export function detectTokenizerFormat(bytes: Uint8Array, fileName = ''): TokenizerFileKind {
  const name = fileName.toLowerCase();
  if (name.endsWith('.json')) return 'tokenizer-json';
  if (name.endsWith('.model')) return 'sentencepiece-model';
  if (name.endsWith('.bin')) return 'llama2c-tokenizer';

  let first = 0;
  while (first < bytes.length && JSON_LEADING_BYTES.has(bytes[first]!)) first++;
  if (bytes[first] === 0x7b) return 'tokenizer-json';
  if (bytes[0] === 0x0a) return 'sentencepiece-model';
  throw new TokenizerError(
    `Unknown tokenizer format for ${JSON.stringify(fileName)}: expected tokenizer.model, tokenizer.json or a llama2.c .bin file.`,
  );
}

/** Whitespace and byte-order-mark bytes that may precede the `{` of a JSON file. */
const JSON_LEADING_BYTES = new Set([0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf]);
