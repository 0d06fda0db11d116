declare module '@agnai/sentencepiece-js' {
  /** Google's SentencePiece compiled to WASM; the package ships no type declarations. */
  export class SentencePieceProcessor {
    /** Loads a `tokenizer.model` from a file path. */
    load(path: string): Promise<void>;
    /** Encodes text to piece ids (no BOS). */
    encodeIds(text: string): number[];
    /** Decodes piece ids to text. */
    decodeIds(ids: number[]): string;
  }
}
