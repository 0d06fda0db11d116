import { beforeAll, describe, expect, it } from 'vitest';
import { loadLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import type { SentencePieceModelData } from './model-data.js';
import { parseSentencePieceModel, serializeSentencePieceModel } from './sentencepiece-model.js';
import { buildCorpus, seededRandom } from './test-utils/corpus.js';
import { extendLikeMiniChat, MINICHAT_VOCAB_SIZE } from './test-utils/extended-model.js';
import { readFixture, readJsonFixture } from './test-utils/fixtures.js';
import { loadOracle, type Oracle } from './test-utils/oracle.js';
import type { Tokenizer } from './tokenizer.js';

// Google's SentencePiece (WASM build of the C++ library) gives the right ids for every corpus string.
const corpus = buildCorpus(1200);
const llamaModel = parseSentencePieceModel(readFixture('tokenizers', 'llama2-tokenizer.model'));

interface Pair {
  ours: Tokenizer;
  oracle: Oracle;
}

async function loadPair(model: SentencePieceModelData): Promise<Pair> {
  const bytes = serializeSentencePieceModel(model);
  return { ours: loadSentencePieceModel(bytes), oracle: await loadOracle(bytes) };
}

function encodeMismatches(pair: Pair, texts: readonly string[]): string[] {
  const mismatches: string[] = [];
  for (const text of texts) {
    const expected = pair.oracle.encode(text);
    const actual = pair.ours.encode(text, { addBos: false });
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      mismatches.push(
        `${JSON.stringify(text)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
      );
    }
  }
  return mismatches;
}

function decodeMismatches(pair: Pair, sequences: readonly number[][]): string[] {
  const mismatches: string[] = [];
  for (const ids of sequences) {
    const expected = pair.oracle.decode(ids);
    const actual = pair.ours.decode(ids, { skipSpecialTokens: true });
    // Emscripten converts decoded UTF-8 longer than 16 bytes with TextDecoder, which drops a leading
    // byte order mark, so the oracle loses a leading U+FEFF that SentencePiece itself returns.
    const bomDropped = actual.startsWith('\uFEFF') && actual.slice(1) === expected;
    if (actual !== expected && !bomDropped) {
      mismatches.push(
        `${JSON.stringify(ids)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
      );
    }
  }
  return mismatches;
}

/** Random id sequences heavy in BYTE pieces, so decoding meets split and invalid UTF-8. */
function randomIdSequences(vocabSize: number, count: number): number[][] {
  const random = seededRandom(7);
  const sequences: number[][] = [];
  for (let i = 0; i < count; i++) {
    const ids: number[] = [];
    const length = 1 + Math.floor(random() * 12);
    for (let j = 0; j < length; j++) {
      const roll = random();
      if (roll < 0.5) ids.push(3 + 0x80 + Math.floor(random() * 0x80));
      else if (roll < 0.6) ids.push(3 + Math.floor(random() * 0x80));
      else if (roll < 0.65) ids.push(1 + Math.floor(random() * 2));
      else ids.push(259 + Math.floor(random() * (vocabSize - 259)));
    }
    sequences.push(ids);
  }
  return sequences;
}

describe('agreement with Google SentencePiece', () => {
  let llama: Pair;
  let extended: Pair;

  beforeAll(async () => {
    llama = await loadPair(llamaModel);
    extended = await loadPair(extendLikeMiniChat(llamaModel));
  });

  it('encodes the corpus like LLaMA-2', () => {
    expect(encodeMismatches(llama, corpus)).toEqual([]);
  });

  it('decodes the corpus ids like LLaMA-2', () => {
    const sequences = corpus.map((text) => llama.ours.encode(text, { addBos: false }));
    expect(decodeMismatches(llama, sequences)).toEqual([]);
  });

  it('decodes random byte-heavy ids like LLaMA-2', () => {
    expect(decodeMismatches(llama, randomIdSequences(32000, 1500))).toEqual([]);
  });

  it('builds the extended model with 49216 pieces', () => {
    expect(extended.ours.vocabSize).toBe(MINICHAT_VOCAB_SIZE);
    expect(extended.oracle.encode('镇长说').length).toBeGreaterThan(0);
  });

  it('encodes the corpus like the extended model', () => {
    expect(encodeMismatches(extended, corpus)).toEqual([]);
  });

  it('uses appended pieces in the extended model', () => {
    const ids = extended.ours.encode('我们今天去北京', { addBos: false });
    expect(ids.some((id) => id >= 32000)).toBe(true);
  });

  it('decodes random ids like the extended model', () => {
    expect(decodeMismatches(extended, randomIdSequences(MINICHAT_VOCAB_SIZE, 800))).toEqual([]);
  });

  it('encodes like a model with USER_DEFINED and UNUSED pieces', async () => {
    const model = extendLikeMiniChat(llamaModel);
    model.pieces.push({ piece: '<tool>', score: 0, type: 'USER_DEFINED' });
    model.pieces.find((candidate) => candidate.piece === 'ab')!.type = 'USER_DEFINED';
    model.pieces.push({ piece: '[|User|]', score: 0, type: 'USER_DEFINED' });
    for (const piece of ['ing', '▁of', 'er', '▁the', '中国']) {
      const entry = model.pieces.find((candidate) => candidate.piece === piece);
      if (entry !== undefined) entry.type = 'UNUSED';
    }
    const pair = await loadPair(model);
    const texts = [...corpus, 'walking of the intern', '<tool>abab[|User|] hi', 'xabx stab ab<tool'];
    expect(encodeMismatches(pair, texts)).toEqual([]);
  });

  it('encodes like a model with a space inside a piece', async () => {
    // A piece with `▁` after another character turns off splitting the text at spaces.
    const model = parseSentencePieceModel(serializeSentencePieceModel(llamaModel));
    model.pieces.push({ piece: 'e▁t', score: 5, type: 'NORMAL' });
    model.pieces.push({ piece: 'q▁▁z', score: 0, type: 'USER_DEFINED' });
    const pair = await loadPair(model);
    const texts = [...corpus.slice(0, 400), 'the tea is hot', 'q  z q z', 'the  time'];
    expect(encodeMismatches(pair, texts)).toEqual([]);
  });

  it('encodes MiniChat prompts segment by segment', () => {
    // MiniChat's reference: BOS, then each text run between `</s>` strings encoded on its own (with its
    // own dummy prefix), and `</s>` as id 2.
    const { cases } = readJsonFixture<{ cases: { name: string; expected_prompt: string }[] }>(
      'minichat',
      'chat-template-cases.json',
    );
    expect(cases.length).toBeGreaterThan(0);
    for (const { expected_prompt: prompt } of cases) {
      const expected = [1];
      prompt.split('</s>').forEach((segment, index) => {
        if (index > 0) expected.push(2);
        expected.push(...extended.oracle.encode(segment));
      });
      expect(extended.ours.encode(prompt, { parseSpecial: true })).toEqual(expected);
      expect(extended.ours.encode([{ text: prompt, allowSpecial: true }])).toEqual(expected);
    }
  });

  it('writes tok512 as a model SentencePiece loads', async () => {
    const tok512 = loadLlama2cTokenizer(readFixture('llama2c', 'tok512.bin'));
    const bytes = serializeSentencePieceModel(tok512.toSentencePieceModelData());
    const oracle = await loadOracle(bytes);
    const greedy = readJsonFixture<{ cases: { expected_text: string; expected_token_ids: number[] }[] }>(
      'llama2c',
      'stories260K-expected.json',
    ).cases[0]!;
    expect(oracle.encode(greedy.expected_text)).toEqual(greedy.expected_token_ids.slice(1));
    expect(oracle.decode(greedy.expected_token_ids)).toBe(greedy.expected_text);
  });

  it('encodes like a model that removes extra spaces', async () => {
    const model = parseSentencePieceModel(serializeSentencePieceModel(llamaModel));
    model.normalizerSpec.removeExtraWhitespaces = true;
    const pair = await loadPair(model);
    expect(encodeMismatches(pair, corpus)).toEqual([]);
  });

  it('encodes like a model without a dummy prefix', async () => {
    const model = parseSentencePieceModel(serializeSentencePieceModel(llamaModel));
    model.normalizerSpec.addDummyPrefix = false;
    const pair = await loadPair(model);
    expect(encodeMismatches(pair, corpus)).toEqual([]);
    expect(decodeMismatches(pair, randomIdSequences(32000, 300))).toEqual([]);
  });
});
