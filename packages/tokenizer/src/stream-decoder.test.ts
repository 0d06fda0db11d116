import { describe, expect, it } from 'vitest';
import { InvalidTokenIdError } from './errors.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { buildCorpus } from './test-utils/corpus.js';
import { readFixture } from './test-utils/fixtures.js';

const tokenizer = loadSentencePieceModel(readFixture('tokenizers', 'llama2-tokenizer.model'));

function isWholeCharacters(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('StreamDecoder', () => {
  it('holds an emoji until its last byte', () => {
    const ids = tokenizer.encode('🦙!', { addBos: false });
    expect(ids).toEqual([29871, 243, 162, 169, 156, 29991]);
    const decoder = tokenizer.createStreamDecoder();
    const deltas = ids.map((id) => decoder.push(id));
    expect(deltas).toEqual(['', '', '', '', '🦙', '!']);
    expect(decoder.flush()).toBe('');
  });

  it('matches decode for every corpus string', () => {
    for (const text of buildCorpus(300, 5)) {
      const ids = tokenizer.encode(text);
      const decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true });
      let streamed = '';
      for (const id of ids) {
        const delta = decoder.push(id);
        expect(isWholeCharacters(delta)).toBe(true);
        streamed += delta;
      }
      streamed += decoder.flush();
      expect(streamed).toBe(tokenizer.decode(ids, { skipSpecialTokens: true }));
    }
  });

  it('flushes an incomplete character as U+FFFD', () => {
    const decoder = tokenizer.createStreamDecoder();
    expect(decoder.push(3 + 0xe4)).toBe('');
    expect(decoder.push(3 + 0xb8)).toBe('');
    expect(decoder.flush()).toBe('\uFFFD\uFFFD');
    expect(decoder.flush()).toBe('');
  });

  it('keeps the leading space on request', () => {
    const decoder = tokenizer.createStreamDecoder({ stripLeadingSpace: false });
    expect(decoder.push(15043)).toBe(' Hello');
    const stripping = tokenizer.createStreamDecoder();
    expect(stripping.push(15043)).toBe('Hello');
    expect(stripping.push(15043)).toBe(' Hello');
  });

  it('skips special tokens on request', () => {
    const decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true });
    expect(decoder.push(1)).toBe('');
    expect(decoder.push(15043)).toBe('Hello');
    expect(decoder.push(2)).toBe('');
  });

  it('rejects an invalid id', () => {
    const decoder = tokenizer.createStreamDecoder();
    expect(() => decoder.push(-5)).toThrow(InvalidTokenIdError);
    expect(() => decoder.push(32000)).toThrow(/Invalid token id 32000/);
  });
});
