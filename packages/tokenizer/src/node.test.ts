import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenizerError } from './errors.js';
import { detectTokenizerFormat, loadTokenizerFile } from './node.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { fixturePath, readFixture } from './test-utils/fixtures.js';
import { toHuggingFaceJson } from './test-utils/hf-json.js';

const folder = mkdtempSync(join(tmpdir(), 'minichat-tokenizer-node-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('loadTokenizerFile', () => {
  it('loads a SentencePiece model', async () => {
    const tokenizer = await loadTokenizerFile(fixturePath('tokenizers', 'llama2-tokenizer.model'));
    expect(tokenizer.encode('Hello')).toEqual([1, 15043]);
  });

  it('loads a llama2.c tokenizer', async () => {
    const tokenizer = await loadTokenizerFile(fixturePath('llama2c', 'tok512.bin'));
    expect(tokenizer.vocabSize).toBe(512);
  });

  it('loads tokenizer.json by content', async () => {
    const path = join(folder, 'tokenizer');
    writeFileSync(
      path,
      toHuggingFaceJson(parseSentencePieceModel(readFixture('tokenizers', 'llama2-tokenizer.model'))),
    );
    const tokenizer = await loadTokenizerFile(path);
    expect(tokenizer.encode('Hello')).toEqual([1, 15043]);
  });

  it('reports a missing file', async () => {
    const path = join(folder, 'missing.model');
    await expect(loadTokenizerFile(path)).rejects.toThrow(TokenizerError);
    await expect(loadTokenizerFile(path)).rejects.toThrow(/Failed to read tokenizer file .*missing\.model/);
  });
});

describe('detectTokenizerFormat', () => {
  it('uses the extension first', () => {
    expect(detectTokenizerFormat(new Uint8Array([0x7b]), 'tok.bin')).toBe('llama2c-tokenizer');
    expect(detectTokenizerFormat(new Uint8Array([0x0a]), 'tokenizer.json')).toBe('tokenizer-json');
  });

  it('reads the content without an extension', () => {
    expect(detectTokenizerFormat(new TextEncoder().encode('\n {"model": {}}'), 'tokenizer')).toBe(
      'tokenizer-json',
    );
    expect(detectTokenizerFormat(new Uint8Array([0x0a, 0x05]), 'tokenizer')).toBe('sentencepiece-model');
    expect(() => detectTokenizerFormat(new Uint8Array([0x00]), 'tokenizer')).toThrow(
      /Unknown tokenizer format/,
    );
  });
});
