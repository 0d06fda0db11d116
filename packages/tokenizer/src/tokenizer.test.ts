import { describe, expect, it } from 'vitest';
import { InvalidTokenIdError, TokenizerArgumentError, TokenizerFormatError } from './errors.js';
import { loadLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { readFixture } from './test-utils/fixtures.js';
import { loadTokenizerJson } from './tokenizer-json.js';

const tokenizer = loadSentencePieceModel(readFixture('tokenizers', 'llama2-tokenizer.model'));

describe('Tokenizer vocabulary', () => {
  it('reports LLaMA-2 special ids', () => {
    expect(tokenizer.vocabSize).toBe(32000);
    expect(tokenizer.unkId).toBe(0);
    expect(tokenizer.bosId).toBe(1);
    expect(tokenizer.eosId).toBe(2);
    expect(tokenizer.padId).toBeUndefined();
    expect(tokenizer.addBosToken).toBe(true);
    expect(tokenizer.addEosToken).toBe(false);
  });

  it('maps pieces and ids both ways', () => {
    expect(tokenizer.idToPiece(29871)).toBe('▁');
    expect(tokenizer.pieceToId('▁')).toBe(29871);
    expect(tokenizer.pieceToId('<0x0A>')).toBe(13);
    expect(tokenizer.pieceToId('no such piece')).toBeUndefined();
    expect(tokenizer.pieceType(0)).toBe('UNKNOWN');
    expect(tokenizer.pieceType(2)).toBe('CONTROL');
    expect(tokenizer.pieceType(13)).toBe('BYTE');
    expect(tokenizer.pieceType(31999)).toBe('NORMAL');
    expect(tokenizer.pieceScore(31999)).toBe(-31740);
  });

  it('rejects out-of-range ids by name', () => {
    for (const id of [-1, 32000, 1.5, Number.NaN]) {
      const error = (() => {
        try {
          tokenizer.idToPiece(id);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(InvalidTokenIdError);
      expect((error as InvalidTokenIdError).id).toBe(id);
      expect((error as Error).message).toMatch(/Invalid token id .*\[0, 31999\]/);
    }
    expect(() => tokenizer.pieceType(32000)).toThrow(/32000/);
    expect(() => tokenizer.pieceScore(-3)).toThrow(/-3/);
  });
});

describe('loaders', () => {
  it('reject input that is not bytes', () => {
    expect(() => loadSentencePieceModel('tokenizer.model' as never)).toThrow(/bytes.*must be a Uint8Array/);
    expect(() => loadLlama2cTokenizer([1, 2, 3] as never)).toThrow(/bytes.*must be a Uint8Array/);
    expect(() => loadTokenizerJson(42 as never)).toThrow(TokenizerFormatError);
  });
});

describe('Tokenizer.encode', () => {
  it('keeps special-token strings as text by default', () => {
    const ids = tokenizer.encode('<s>hi</s>');
    expect(ids).toEqual([1, 529, 29879, 29958, 2918, 829, 29879, 29958]);
    expect(ids.slice(1)).not.toContain(1);
    expect(ids).not.toContain(2);
  });

  it('parses special tokens when asked', () => {
    expect(tokenizer.encode('<s>hi</s>', { parseSpecial: true })).toEqual([1, 1, 7251, 2]);
    expect(tokenizer.encode('a<unk>b', { parseSpecial: true, addBos: false })).toEqual([263, 0, 289]);
  });

  it('recognises specials only in allowed parts', () => {
    const ids = tokenizer.encode([
      { text: 'hi</s>', allowSpecial: false },
      { text: 'there</s>', allowSpecial: true },
    ]);
    // `hi</s>there` is one text run: `</s>` in the first part stays text.
    expect(ids).toEqual([...tokenizer.encode('hi</s>there'), 2]);
  });

  it('joins parts before splitting', () => {
    const joined = tokenizer.encode([
      { text: 'Hel', allowSpecial: true },
      { text: 'lo', allowSpecial: false },
    ]);
    expect(joined).toEqual(tokenizer.encode('Hello'));
  });

  it('adds EOS and omits BOS on request', () => {
    expect(tokenizer.encode('Hello', { addBos: false, addEos: true })).toEqual([15043, 2]);
    expect(tokenizer.encode('', { addBos: false })).toEqual([]);
  });

  it('rejects wrong input and option types', () => {
    expect(() => tokenizer.encode(42 as never)).toThrow(TokenizerArgumentError);
    expect(() => tokenizer.encode('a', { addBos: 'yes' as never })).toThrow(
      /options\.addBos: expected a boolean, got "yes"/,
    );
    expect(() => tokenizer.encode([{ text: 1, allowSpecial: true } as never])).toThrow(/input\[0\]\.text/);
    expect(() => tokenizer.encode([{ text: 'a' } as never])).toThrow(/input\[0\]\.allowSpecial/);
  });

  it('encodes 1 MB inputs without blow-ups', () => {
    const word = 'x'.repeat(1 << 20);
    const wordIds = tokenizer.encode(word, { addBos: false });
    expect(tokenizer.decode(wordIds)).toBe(word);

    const spaces = ' '.repeat(1 << 20);
    expect(tokenizer.decode(tokenizer.encode(spaces, { addBos: false }))).toBe(spaces);

    const prose = 'The quick brown fox 跳过了 lazy 🐕. '.repeat(30_000);
    const proseIds = tokenizer.encode(prose, { addBos: false });
    expect(proseIds.length).toBeGreaterThan(100_000);
    expect(tokenizer.decode(proseIds)).toBe(prose);
  });
});

describe('Tokenizer.decode', () => {
  it('writes special pieces unless skipped', () => {
    const ids = [1, 15043, 2];
    expect(tokenizer.decode(ids)).toBe('<s> Hello</s>');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('Hello');
    expect(tokenizer.decode([0, 15043])).toBe('<unk> Hello');
  });

  it('strips only the first dummy-prefix space', () => {
    expect(tokenizer.decode([15043, 15043])).toBe('Hello Hello');
    expect(tokenizer.decode([29871, 15043])).toBe(' Hello');
  });

  it('replaces invalid UTF-8 bytes one by one', () => {
    // F0 9F starts a 4-byte character that 0x41 ("A") cuts off: two U+FFFD, then "A".
    expect(tokenizer.decode([3 + 0xf0, 3 + 0x9f, 3 + 0x41])).toBe('\uFFFD\uFFFDA');
  });

  it('rejects an invalid id by value', () => {
    expect(() => tokenizer.decode([15043, 40000])).toThrow(/Invalid token id 40000/);
    expect(() => tokenizer.decode('1' as never)).toThrow(TokenizerArgumentError);
  });
});
