import { describe, expect, it } from 'vitest';
import { TokenizerArgumentError, TokenizerFormatError } from './errors.js';
import { loadTokenizer, parseTokenizerConfig } from './load-tokenizer.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { readFixture } from './test-utils/fixtures.js';
import { toHuggingFaceJson } from './test-utils/hf-json.js';

const tokenizerModel = readFixture('tokenizers', 'llama2-tokenizer.model');
const llama2cTokenizer = readFixture('llama2c', 'tok512.bin');

describe('loadTokenizer', () => {
  it('prefers tokenizer.model', () => {
    const tokenizer = loadTokenizer({ tokenizerModel, llama2cTokenizer });
    expect(tokenizer.vocabSize).toBe(32000);
  });

  it('falls back to tokenizer.json, then llama2.c', () => {
    const tokenizerJson = new TextEncoder().encode(
      toHuggingFaceJson(parseSentencePieceModel(tokenizerModel)),
    );
    expect(loadTokenizer({ tokenizerJson, llama2cTokenizer }).vocabSize).toBe(32000);
    expect(loadTokenizer({ llama2cTokenizer }).vocabSize).toBe(512);
  });

  it('applies add_bos_token and add_eos_token', () => {
    const tokenizerConfig = JSON.stringify({ add_bos_token: false, add_eos_token: true, bos_token: '<s>' });
    const tokenizer = loadTokenizer({ tokenizerModel, tokenizerConfig });
    expect(tokenizer.addBosToken).toBe(false);
    expect(tokenizer.addEosToken).toBe(true);
    expect(tokenizer.encode('Hello')).toEqual([15043, 2]);
  });

  it('rejects an empty file set', () => {
    expect(() => loadTokenizer({})).toThrow(TokenizerArgumentError);
    expect(() => loadTokenizer({})).toThrow(/tokenizerModel, tokenizerJson or llama2cTokenizer/);
  });
});

describe('parseTokenizerConfig', () => {
  it('reads tokens written as objects', () => {
    const config = parseTokenizerConfig(
      JSON.stringify({ add_bos_token: true, eos_token: { content: '</s>', special: true }, pad_token: null }),
    );
    expect(config).toEqual({ addBosToken: true, eosToken: '</s>' });
  });

  it('rejects wrong field types', () => {
    expect(() => parseTokenizerConfig('{"add_bos_token": "true"}')).toThrow(/add_bos_token.*value: "true"/);
    expect(() => parseTokenizerConfig('{"bos_token": 5}')).toThrow(TokenizerFormatError);
    expect(() => parseTokenizerConfig('{"add_bos_token": tru')).toThrow(/not valid JSON/);
  });
});
