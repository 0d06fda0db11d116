import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerFormatError, TokenizerLimitError, UnsupportedTokenizerError } from './errors.js';
import { MAX_ADDED_TOKENS, MAX_MERGES, MAX_PIECE_BYTES, MAX_TOKENIZER_JSON_BYTES } from './limits.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { parseSentencePieceModel, serializeSentencePieceModel } from './sentencepiece-model.js';
import { buildCorpus } from './test-utils/corpus.js';
import { readFixture } from './test-utils/fixtures.js';
import { toHuggingFaceJson } from './test-utils/hf-json.js';
import type { Tokenizer } from './tokenizer.js';
import { loadTokenizerJson, parseTokenizerJson } from './tokenizer-json.js';

const modelBytes = readFixture('tokenizers', 'llama2-tokenizer.model');
const fromModel = loadSentencePieceModel(modelBytes);
const llamaJson = toHuggingFaceJson(parseSentencePieceModel(modelBytes));

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

interface SmallJson {
  added_tokens: { id: number; content: string; special: boolean }[];
  normalizer: unknown;
  pre_tokenizer?: unknown;
  post_processor?: unknown;
  model: {
    type: string;
    unk_token?: string;
    byte_fallback: boolean;
    vocab: Record<string, number>;
    merges: unknown[];
  };
}

/** Builds a small valid file, which each test breaks in one field. */
function smallJson(): SmallJson {
  return {
    added_tokens: [
      { id: 0, content: '<unk>', special: true },
      { id: 1, content: '<s>', special: true },
      { id: 2, content: '</s>', special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    model: {
      type: 'BPE',
      unk_token: '<unk>',
      byte_fallback: true,
      vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '▁': 3, a: 4, b: 5, '▁a': 6, ab: 7 },
      merges: ['▁ a', 'a b'],
    },
  };
}

describe('loadTokenizerJson', () => {
  let fromJson: Tokenizer;

  beforeAll(() => {
    fromJson = loadTokenizerJson(llamaJson);
  });

  it('loads the same vocabulary as the .model', () => {
    expect(fromJson.vocabSize).toBe(fromModel.vocabSize);
    for (let id = 0; id < fromModel.vocabSize; id++) {
      if (fromJson.idToPiece(id) !== fromModel.idToPiece(id))
        expect(fromJson.idToPiece(id)).toBe(fromModel.idToPiece(id));
      if (fromJson.pieceType(id) !== fromModel.pieceType(id))
        expect(fromJson.pieceType(id)).toBe(fromModel.pieceType(id));
    }
    expect([fromJson.unkId, fromJson.bosId, fromJson.eosId, fromJson.addBosToken]).toEqual([0, 1, 2, true]);
  });

  it('encodes the corpus like the .model', () => {
    const texts = buildCorpus(600, 3);
    for (let n = 1; n <= 34; n++) texts.push(`${' '.repeat(n)}x`, `a${' '.repeat(n)}b`, ' '.repeat(n));
    const mismatches = texts.filter(
      (text) => JSON.stringify(fromJson.encode(text)) !== JSON.stringify(fromModel.encode(text)),
    );
    expect(mismatches).toEqual([]);
  });

  it('reads pair merges and a Metaspace pre-tokenizer', () => {
    const json = toHuggingFaceJson(parseSentencePieceModel(modelBytes), {
      metaspace: 'always',
      pairMerges: true,
    });
    const tokenizer = loadTokenizerJson(json);
    const text = 'Hello world</s> and  again 镇🦙';
    expect(tokenizer.encode(text, { parseSpecial: true })).toEqual(
      fromModel.encode(text, { parseSpecial: true }),
    );
  });

  it('prefixes only the first run with prepend_scheme first', () => {
    const json = toHuggingFaceJson(parseSentencePieceModel(modelBytes), { metaspace: 'first' });
    const tokenizer = loadTokenizerJson(json);
    const noPrefixModel = parseSentencePieceModel(modelBytes);
    noPrefixModel.normalizerSpec.addDummyPrefix = false;
    const noPrefix = loadSentencePieceModel(serializeSentencePieceModel(noPrefixModel));
    const expected = [
      1,
      ...fromModel.encode('a b', { addBos: false }),
      2,
      ...noPrefix.encode('Hi there', { addBos: false }),
    ];
    expect(tokenizer.encode('a b</s>Hi there', { parseSpecial: true })).toEqual(expected);
  });

  it('takes BOS and EOS defaults from the post-processor', () => {
    const file = smallJson();
    file.post_processor = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>' } }, { Sequence: { id: 'A' } }, { SpecialToken: { id: '</s>' } }],
    };
    const tokenizer = loadTokenizerJson(JSON.stringify(file));
    expect(tokenizer.addBosToken).toBe(true);
    expect(tokenizer.addEosToken).toBe(true);
    expect(tokenizer.encode('ab')).toEqual([1, 6, 5, 2]);
  });

  it('treats non-special added tokens as user-defined', () => {
    const file = smallJson();
    file.model.vocab['[x]'] = 8;
    file.added_tokens.push({ id: 8, content: '[x]', special: false });
    const tokenizer = loadTokenizerJson(JSON.stringify(file));
    expect(tokenizer.pieceType(8)).toBe('USER_DEFINED');
    expect(tokenizer.encode('a[x]', { addBos: false })).toEqual([6, 8]);
  });
});

describe('parseTokenizerJson rejects malformed files', () => {
  it('rejects invalid JSON', () => {
    expect(() => parseTokenizerJson(llamaJson.slice(0, 5000))).toThrow(/not valid JSON/);
  });

  it('rejects invalid UTF-8 bytes', () => {
    expect(() => parseTokenizerJson(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/input.*not valid UTF-8/);
  });

  it('rejects a file above MAX_TOKENIZER_JSON_BYTES', () => {
    const error = catchError(() => parseTokenizerJson(new Uint8Array(MAX_TOKENIZER_JSON_BYTES + 1)));
    expect(error).toBeInstanceOf(TokenizerLimitError);
    expect((error as TokenizerLimitError).limit).toBe('MAX_TOKENIZER_JSON_BYTES');
  });

  it('rejects a model type other than BPE', () => {
    const file = smallJson();
    file.model.type = 'Unigram';
    const error = catchError(() => parseTokenizerJson(JSON.stringify(file)));
    expect(error).toBeInstanceOf(UnsupportedTokenizerError);
    expect((error as Error).message).toMatch(/model\.type = "Unigram"/);
  });

  it('rejects a merge with a missing piece', () => {
    const file = smallJson();
    file.model.merges.push('a z');
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(
      /model\.merges\[2\].*right piece missing.*value: "z"/,
    );
  });

  it('rejects a malformed merge', () => {
    const file = smallJson();
    file.model.merges.push('ab');
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(/model\.merges\[2\].*two pieces/);
  });

  it('rejects a gap in the ids', () => {
    const file = smallJson();
    file.model.vocab.ab = 9;
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(/model\.vocab.*0\.\.9.*value: 7/);
  });

  it('rejects two pieces with one id', () => {
    const file = smallJson();
    file.model.vocab.ab = 6;
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(TokenizerFormatError);
  });

  it('rejects a negative id', () => {
    const file = smallJson();
    file.model.vocab.ab = -1;
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(
      /model\.vocab\["ab"\].*integer.*value: -1/,
    );
  });

  it('rejects a missing unk_token', () => {
    const file = smallJson();
    delete file.model.unk_token;
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(/model\.unk_token/);
  });

  it('rejects an unsupported normalizer', () => {
    const file = smallJson();
    file.normalizer = { type: 'NFKC' };
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(/normalizer\.type = "NFKC"/);
  });

  it('rejects a splitting Metaspace', () => {
    const file = smallJson();
    file.normalizer = null;
    file.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
    expect(() => parseTokenizerJson(JSON.stringify(file))).toThrow(/pre_tokenizer\.split = true/);
  });

  it('rejects a piece above MAX_PIECE_BYTES', () => {
    const file = smallJson();
    file.model.vocab['x'.repeat(MAX_PIECE_BYTES + 1)] = 8;
    const error = catchError(() => parseTokenizerJson(JSON.stringify(file)));
    expect(error).toBeInstanceOf(TokenizerLimitError);
    expect((error as TokenizerLimitError).limit).toBe('MAX_PIECE_BYTES');
  });

  it('rejects more than MAX_ADDED_TOKENS added tokens', () => {
    const file = smallJson();
    file.added_tokens = Array.from({ length: MAX_ADDED_TOKENS + 1 }, () => ({
      id: 0,
      content: '<unk>',
      special: true,
    }));
    const error = catchError(() => parseTokenizerJson(JSON.stringify(file)));
    expect((error as TokenizerLimitError).limit).toBe('MAX_ADDED_TOKENS');
  });

  it('rejects more than MAX_MERGES merges', () => {
    const file = smallJson();
    file.model.merges = new Array(MAX_MERGES + 1).fill('a b');
    const error = catchError(() => parseTokenizerJson(JSON.stringify(file)));
    expect((error as TokenizerLimitError).limit).toBe('MAX_MERGES');
  });
});
