import { TokenizerFormatError, TokenizerLimitError } from './errors.js';
import { MAX_LLAMA2C_FILE_BYTES, MAX_PIECE_BYTES, MAX_PIECES } from './limits.js';
import type { LoadTokenizerOptions } from './load-sentencepiece.js';
import {
  defaultBpeTrainerSpec,
  identityNormalizerSpec,
  type PieceType,
  type SentencePieceEntry,
  type SentencePieceModelData,
} from './model-data.js';
import { Tokenizer } from './tokenizer.js';
import { SPACE_SYMBOL } from './vocabulary.js';

/** Options of {@link loadLlama2cTokenizer}. */
export interface LoadLlama2cTokenizerOptions extends LoadTokenizerOptions {
  /**
   * Number of pieces the file must hold, usually the checkpoint's `vocab_size`. The format does not
   * store it, so by default every record up to the end of the file is read.
   */
  vocabSize?: number;
}

const FORMAT = 'llama2c-tokenizer';
const HEADER_BYTES = 4;
const RECORD_HEADER_BYTES = 8;
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses a llama2.c tokenizer `.bin` into SentencePiece model data. The file is a little-endian
 * uint32 `max_token_length`, then per id a float32 score, an int32 byte length and the piece bytes.
 * Pieces use a plain space where SentencePiece writes `▁`, and `<s>`/`</s>` are stored wrapped in
 * newlines. Both are converted back, so the result matches the `.model` the file was exported from.
 *
 * @throws TokenizerFormatError when the file is truncated, has trailing bytes or invalid UTF-8.
 * @throws TokenizerLimitError when a length exceeds its limit.
 */
export function parseLlama2cTokenizer(
  bytes: Uint8Array,
  options: { vocabSize?: number } = {},
): SentencePieceModelData {
  if (!(bytes instanceof Uint8Array)) {
    throw new TokenizerFormatError(FORMAT, 'bytes', bytes, 'must be a Uint8Array with the file contents');
  }
  if (bytes.length > MAX_LLAMA2C_FILE_BYTES) {
    throw new TokenizerLimitError(
      FORMAT,
      'file size',
      bytes.length,
      'MAX_LLAMA2C_FILE_BYTES',
      MAX_LLAMA2C_FILE_BYTES,
    );
  }
  const expected = options.vocabSize;
  if (expected !== undefined && (!Number.isInteger(expected) || expected < 1 || expected > MAX_PIECES)) {
    throw new TokenizerFormatError(
      FORMAT,
      'options.vocabSize',
      expected,
      `must be an integer in [1, ${MAX_PIECES}]`,
    );
  }
  if (bytes.length < HEADER_BYTES) {
    throw new TokenizerFormatError(
      FORMAT,
      'max_token_length',
      bytes.length,
      'is cut off: the file is shorter than 4 bytes',
      {
        offset: 0,
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxTokenLength = view.getUint32(0, true);
  if (maxTokenLength > MAX_PIECE_BYTES) {
    throw new TokenizerLimitError(
      FORMAT,
      'max_token_length',
      maxTokenLength,
      'MAX_PIECE_BYTES',
      MAX_PIECE_BYTES,
      {
        offset: 0,
      },
    );
  }

  const pieces: SentencePieceEntry[] = [];
  let offset = HEADER_BYTES;
  while (expected === undefined ? offset < bytes.length : pieces.length < expected) {
    const id = pieces.length;
    if (id >= MAX_PIECES)
      throw new TokenizerLimitError(FORMAT, 'pieces', id + 1, 'MAX_PIECES', MAX_PIECES, { offset });
    if (offset + RECORD_HEADER_BYTES > bytes.length) {
      throw new TokenizerFormatError(
        FORMAT,
        `pieces[${id}]`,
        bytes.length - offset,
        'is cut off before its score and length; the file is truncated',
        {
          offset,
        },
      );
    }
    const score = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    if (length < 1 || length > maxTokenLength) {
      throw new TokenizerFormatError(
        FORMAT,
        `pieces[${id}].length`,
        length,
        `must be in [1, max_token_length = ${maxTokenLength}]`,
        {
          offset: offset + 4,
        },
      );
    }
    offset += RECORD_HEADER_BYTES;
    if (offset + length > bytes.length) {
      throw new TokenizerFormatError(
        FORMAT,
        `pieces[${id}].bytes`,
        length,
        'run past the end of the file; the file is truncated',
        {
          offset,
        },
      );
    }
    let text: string;
    try {
      text = utf8Decoder.decode(bytes.subarray(offset, offset + length));
    } catch (error) {
      throw new TokenizerFormatError(
        FORMAT,
        `pieces[${id}].bytes`,
        bytes.subarray(offset, offset + length),
        'are not valid UTF-8',
        {
          offset,
          cause: error,
        },
      );
    }
    offset += length;
    pieces.push(toEntry(text, score));
  }
  if (offset !== bytes.length) {
    throw new TokenizerFormatError(
      FORMAT,
      'file size',
      bytes.length,
      `has ${bytes.length - offset} bytes after piece ${pieces.length - 1}; check options.vocabSize`,
      {
        offset,
      },
    );
  }

  const trainerSpec = defaultBpeTrainerSpec(pieces.length);
  trainerSpec.unkId = indexOf(pieces, '<unk>', 'UNKNOWN');
  trainerSpec.bosId = indexOf(pieces, '<s>', 'CONTROL');
  trainerSpec.eosId = indexOf(pieces, '</s>', 'CONTROL');
  return { pieces, trainerSpec, normalizerSpec: identityNormalizerSpec(), extraFields: new Uint8Array(0) };
}

/**
 * Loads a llama2.c tokenizer `.bin` (such as `tok512.bin` of stories260K).
 *
 * @throws TokenizerFormatError or TokenizerLimitError when the file is not a valid llama2.c tokenizer.
 */
export function loadLlama2cTokenizer(
  bytes: Uint8Array,
  options: LoadLlama2cTokenizerOptions = {},
): Tokenizer {
  const model = parseLlama2cTokenizer(
    bytes,
    options.vocabSize === undefined ? {} : { vocabSize: options.vocabSize },
  );
  return new Tokenizer({
    model,
    addBosToken: options.addBosToken ?? true,
    addEosToken: options.addEosToken ?? false,
  });
}

function toEntry(text: string, score: number): SentencePieceEntry {
  if (text === '<unk>') return { piece: text, score, type: 'UNKNOWN' };
  if (text === '\n<s>\n' || text === '\n</s>\n') return { piece: text.slice(1, -1), score, type: 'CONTROL' };
  if (BYTE_PIECE.test(text)) return { piece: text, score, type: 'BYTE' };
  return { piece: text.replaceAll(' ', SPACE_SYMBOL), score, type: 'NORMAL' };
}

function indexOf(pieces: readonly SentencePieceEntry[], piece: string, type: PieceType): number {
  return pieces.findIndex((entry) => entry.piece === piece && entry.type === type);
}
