import { buildCorpus } from '../probes/corpus.js';
import { countMismatches, loadTokenizerPair, timeEncode } from '../probes/tokenizer-speed.js';

/** Raw results of the tokenizer suite. */
export interface TokenizerRounds {
  /** UTF-8 bytes of the corpus. */
  corpusBytes: number;
  /** Paragraphs in the corpus. */
  paragraphs: number;
  /** Paragraphs whose ids differ between the two encoders (0 when ours matches SentencePiece). */
  mismatchedParagraphs: number;
  /** Our encode throughput per round, MB/s. */
  ours: number[];
  /** SentencePiece WASM throughput per round, MB/s. */
  sentencePiece: number[];
}

/**
 * Encodes the same corpus with `@minichat/tokenizer` and with SentencePiece's WASM build, alternating
 * which goes first each round. One untimed pass of each warms up the JIT and checks that both produce
 * the same ids.
 */
export async function runTokenizerRounds(
  modelBytes: Uint8Array,
  corpusBytes: number,
  rounds: number,
): Promise<TokenizerRounds> {
  const pair = await loadTokenizerPair(modelBytes);
  const paragraphs = buildCorpus(corpusBytes);
  const mismatchedParagraphs = countMismatches(pair, paragraphs);
  const result: TokenizerRounds = {
    corpusBytes: paragraphs.reduce((sum, p) => sum + new TextEncoder().encode(p).length, 0),
    paragraphs: paragraphs.length,
    mismatchedParagraphs,
    ours: [],
    sentencePiece: [],
  };
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0 ? (['ours', 'sentencePiece'] as const) : (['sentencePiece', 'ours'] as const);
    for (const which of order) result[which].push(timeEncode(pair[which], paragraphs).megabytesPerSecond);
  }
  return result;
}
