import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceProcessor } from '@agnai/sentencepiece-js';

/** Google's SentencePiece (WASM build) loaded with one model, for known-good encodings. */
export interface Oracle {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/**
 * Loads model bytes into Google's SentencePiece WASM build through a temporary file. That build
 * returns [] for every input when the model is corrupt instead of failing, so the load is checked
 * with a string that must encode to something.
 */
export async function loadOracle(modelBytes: Uint8Array): Promise<Oracle> {
  const folder = mkdtempSync(join(tmpdir(), 'minichat-tokenizer-oracle-'));
  const path = join(folder, 'tokenizer.model');
  try {
    writeFileSync(path, modelBytes);
    const processor = new SentencePieceProcessor();
    await processor.load(path);
    if (processor.encodeIds('hello world').length === 0) {
      throw new Error(
        'SentencePiece loaded the model but encodes "hello world" to []: the model is corrupt.',
      );
    }
    return {
      // The WASM wrapper converts a string to UTF-8 with Emscripten's converter, which pairs a lone
      // surrogate with the next code unit. Give it well-formed text, with U+FFFD for lone surrogates
      // as SentencePiece itself produces for invalid UTF-8.
      encode: (text) => processor.encodeIds((text as unknown as { toWellFormed(): string }).toWellFormed()),
      decode: (ids) => processor.decodeIds(ids),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
