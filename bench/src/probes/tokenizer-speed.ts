import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceProcessor } from '@agnai/sentencepiece-js';
import { loadSentencePieceModel } from '@minichat/tokenizer';
import { BenchError } from '../errors.js';

/** Encoders the tokenizer probe compares. */
export interface TokenizerPair {
  /** `@minichat/tokenizer`, without BOS. */
  ours(text: string): number[];
  /** Google's SentencePiece WASM build (`@agnai/sentencepiece-js`). */
  sentencePiece(text: string): number[];
}

/**
 * Loads one `tokenizer.model` into both encoders. The WASM build reads models from disk and returns []
 * for a corrupt one instead of failing, so the load is checked with a string that must encode.
 */
export async function loadTokenizerPair(modelBytes: Uint8Array): Promise<TokenizerPair> {
  const ours = loadSentencePieceModel(modelBytes, { addBosToken: false });
  const folder = await mkdtemp(join(tmpdir(), 'minichat-bench-sp-'));
  try {
    const path = join(folder, 'tokenizer.model');
    await writeFile(path, modelBytes);
    const processor = new SentencePieceProcessor();
    await processor.load(path);
    if (processor.encodeIds('hello world').length === 0) {
      throw new BenchError(
        'SentencePiece loaded the tokenizer.model but encodes "hello world" to []; the file is corrupt.',
      );
    }
    return { ours: (text) => ours.encode(text), sentencePiece: (text) => processor.encodeIds(text) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** One timed pass of an encoder over a corpus. */
export interface EncodeTiming {
  /** UTF-8 megabytes (10^6 bytes) encoded per second. */
  megabytesPerSecond: number;
  /** Tokens produced. */
  tokens: number;
}

/** Times `encode` over every paragraph once and returns its throughput. */
export function timeEncode(encode: (text: string) => number[], paragraphs: readonly string[]): EncodeTiming {
  const encoder = new TextEncoder();
  const bytes = paragraphs.reduce((sum, paragraph) => sum + encoder.encode(paragraph).length, 0);
  let tokens = 0;
  const start = performance.now();
  for (const paragraph of paragraphs) tokens += encode(paragraph).length;
  const seconds = (performance.now() - start) / 1000;
  return { megabytesPerSecond: bytes / 1e6 / seconds, tokens };
}

/** Counts paragraphs whose token ids differ between the two encoders. */
export function countMismatches(pair: TokenizerPair, paragraphs: readonly string[]): number {
  let mismatches = 0;
  for (const paragraph of paragraphs) {
    const a = pair.ours(paragraph);
    const b = pair.sentencePiece(paragraph);
    if (a.length !== b.length || a.some((id, i) => id !== b[i])) mismatches++;
  }
  return mismatches;
}
