import { describe, expect, it } from 'vitest';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { readFixture, readJsonFixture } from './test-utils/fixtures.js';

interface VectorFile {
  vectors: { name: string; source: string; text: string; ids: number[] }[];
}

const tokenizer = loadSentencePieceModel(readFixture('tokenizers', 'llama2-tokenizer.model'));
const { vectors } = readJsonFixture<VectorFile>('tokenizers', 'llama2-tokenizer-vectors.json');

describe('LLaMA-2 known-answer vectors', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThan(20);
  });

  it.each(vectors.map((vector) => [vector.name, vector] as const))('encodes %s', (_name, vector) => {
    expect(tokenizer.encode(vector.text)).toEqual(vector.ids);
  });

  it.each(
    vectors.map((vector) => [vector.name, vector] as const),
  )('decodes %s back to its text', (_name, vector) => {
    expect(tokenizer.decode(vector.ids, { skipSpecialTokens: true })).toBe(vector.text);
  });
});
