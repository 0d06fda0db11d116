import { describe, expect, it } from 'vitest';
import { TokenizerFormatError, TokenizerLimitError } from './errors.js';
import { MAX_PIECE_BYTES } from './limits.js';
import { loadLlama2cTokenizer, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { readFixture, readJsonFixture } from './test-utils/fixtures.js';

interface ExpectedFile {
  cases: { name: string; expected_text: string; expected_token_ids: number[] }[];
}

describe('loadLlama2cTokenizer', () => {
  const tok512 = loadLlama2cTokenizer(readFixture('llama2c', 'tok512.bin'));
  const greedy = readJsonFixture<ExpectedFile>('llama2c', 'stories260K-expected.json').cases[0]!;

  it('reads tok512 special pieces', () => {
    expect(tok512.vocabSize).toBe(512);
    expect([tok512.unkId, tok512.bosId, tok512.eosId]).toEqual([0, 1, 2]);
    expect(tok512.idToPiece(1)).toBe('<s>');
    expect(tok512.pieceType(1)).toBe('CONTROL');
    expect(tok512.idToPiece(259)).toBe('▁t');
    expect(tok512.pieceType(3 + 0x41)).toBe('BYTE');
    expect(tok512.idToPiece(410)).toBe('▁');
  });

  it('encodes the stories260K text to its ids', () => {
    expect(tok512.encode(greedy.expected_text)).toEqual(greedy.expected_token_ids);
  });

  it('decodes the stories260K ids to its text', () => {
    expect(tok512.decode(greedy.expected_token_ids, { skipSpecialTokens: true })).toBe(greedy.expected_text);
  });

  it('matches the LLaMA-2 .model vocabulary', () => {
    const fromBin = loadLlama2cTokenizer(readFixture('tokenizers', 'llama2-tokenizer.llama2c.bin'));
    const fromModel = loadSentencePieceModel(readFixture('tokenizers', 'llama2-tokenizer.model'));
    expect(fromBin.vocabSize).toBe(fromModel.vocabSize);
    for (let id = 0; id < fromModel.vocabSize; id++) {
      if (fromBin.idToPiece(id) !== fromModel.idToPiece(id))
        expect(fromBin.idToPiece(id)).toBe(fromModel.idToPiece(id));
      if (fromBin.pieceType(id) !== fromModel.pieceType(id))
        expect(fromBin.pieceType(id)).toBe(fromModel.pieceType(id));
      if (fromBin.pieceScore(id) !== fromModel.pieceScore(id))
        expect(fromBin.pieceScore(id)).toBe(fromModel.pieceScore(id));
    }
    const text = 'Simply put, the theory of relativity states that 镇🦙';
    expect(fromBin.encode(text)).toEqual(fromModel.encode(text));
  });
});

describe('parseLlama2cTokenizer rejects malformed files', () => {
  const header = (maxTokenLength: number) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, maxTokenLength, true);
    return bytes;
  };
  const record = (score: number, length: number, body: number[]) => {
    const bytes = new Uint8Array(8 + body.length);
    const view = new DataView(bytes.buffer);
    view.setFloat32(0, score, true);
    view.setInt32(4, length, true);
    bytes.set(body, 8);
    return bytes;
  };
  const join = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };

  it('rejects a file shorter than its header', () => {
    expect(() => parseLlama2cTokenizer(new Uint8Array(2))).toThrow(/max_token_length.*cut off/);
  });

  it('rejects max_token_length above MAX_PIECE_BYTES', () => {
    const error = (() => {
      try {
        parseLlama2cTokenizer(header(MAX_PIECE_BYTES + 1));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TokenizerLimitError);
    expect((error as TokenizerLimitError).limit).toBe('MAX_PIECE_BYTES');
    expect((error as Error).message).toMatch(/max_token_length.*4097/);
  });

  it('rejects a piece longer than max_token_length', () => {
    expect(() => parseLlama2cTokenizer(join(header(2), record(0, 3, [0x61, 0x62, 0x63])))).toThrow(
      /pieces\[0\]\.length .*must be in \[1, max_token_length = 2\].*value: 3/,
    );
  });

  it('rejects a negative piece length', () => {
    expect(() => parseLlama2cTokenizer(join(header(2), record(0, -5, [])))).toThrow(TokenizerFormatError);
  });

  it('rejects a truncated record', () => {
    const bytes = join(header(8), record(0, 5, [0x61, 0x62]));
    expect(() => parseLlama2cTokenizer(bytes)).toThrow(/pieces\[0\]\.bytes.*truncated/);
    expect(() => parseLlama2cTokenizer(join(header(8), new Uint8Array(5)))).toThrow(/pieces\[0\].*truncated/);
  });

  it('rejects invalid UTF-8 in a piece', () => {
    expect(() => parseLlama2cTokenizer(join(header(2), record(0, 1, [0xff])))).toThrow(
      /pieces\[0\]\.bytes.*UTF-8/,
    );
  });

  it('rejects trailing bytes when vocabSize is given', () => {
    const bytes = join(header(2), record(0, 1, [0x61]), record(0, 1, [0x62]));
    expect(() => parseLlama2cTokenizer(bytes, { vocabSize: 1 })).toThrow(/after piece 0.*vocabSize/);
  });
});
