import { describe, expect, it } from 'vitest';
import { TokenizerError } from './errors.js';
import { loadLlama2cTokenizer, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { serializeSentencePieceModel } from './sentencepiece-model.js';
import { seededRandom } from './test-utils/corpus.js';
import { readFixture } from './test-utils/fixtures.js';
import { toHuggingFaceJson } from './test-utils/hf-json.js';
import { loadTokenizerJson } from './tokenizer-json.js';

const MUTATIONS = 300;
const tok512Bin = readFixture('llama2c', 'tok512.bin');
const tok512Data = parseLlama2cTokenizer(tok512Bin);
const tok512Model = serializeSentencePieceModel(tok512Data);
const tok512Json = new TextEncoder().encode(toHuggingFaceJson(tok512Data));

/** Yields copies of `bytes` with random bytes changed, a random cut, or both. */
function* mutations(bytes: Uint8Array, seed: number): Generator<Uint8Array> {
  const random = seededRandom(seed);
  for (let i = 0; i < MUTATIONS; i++) {
    let copy = bytes.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let j = 0; j < flips; j++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    if (random() < 0.3) copy = copy.subarray(0, Math.floor(random() * copy.length));
    yield copy;
  }
}

/** Returns the name of any error that is not a TokenizerError, or undefined. */
function foreignError(load: () => unknown): string | undefined {
  try {
    const tokenizer = load() as { encode(text: string): number[]; decode(ids: number[]): string };
    tokenizer.decode(tokenizer.encode('Once upon a time, 镇🦙'));
    return undefined;
  } catch (error) {
    return error instanceof TokenizerError ? undefined : String(error);
  }
}

describe('corrupt files', () => {
  it('fail with TokenizerError in .model files', () => {
    const foreign = [...mutations(tok512Model, 11)].map((bytes) =>
      foreignError(() => loadSentencePieceModel(bytes)),
    );
    expect(foreign.filter((message) => message !== undefined)).toEqual([]);
  });

  it('fail with TokenizerError in llama2.c files', () => {
    const foreign = [...mutations(tok512Bin, 12)].map((bytes) =>
      foreignError(() => loadLlama2cTokenizer(bytes)),
    );
    expect(foreign.filter((message) => message !== undefined)).toEqual([]);
  });

  it('fail with TokenizerError in tokenizer.json files', () => {
    const foreign = [...mutations(tok512Json, 13)].map((bytes) =>
      foreignError(() => loadTokenizerJson(bytes)),
    );
    expect(foreign.filter((message) => message !== undefined)).toEqual([]);
  });
});
