import { SentencePieceProcessor } from '@agnai/sentencepiece-js';

/**
 * Loads a `tokenizer.model` file into Google's SentencePiece (WASM build). That build returns []
 * instead of failing on a corrupt model, so the load is checked with a string that must encode.
 */
export async function loadSentencePiece(path: string): Promise<SentencePieceProcessor> {
  const processor = new SentencePieceProcessor();
  await processor.load(path);
  if (processor.encodeIds('hello').length === 0)
    throw new Error(`SentencePiece cannot use ${path}: "hello" encodes to [].`);
  return processor;
}
