declare module '@agnai/sentencepiece-js' {
  /** Google's SentencePiece processor compiled to WebAssembly (the package ships no types). */
  export class SentencePieceProcessor {
    /** Loads a `.model` file from disk. */
    load(path: string): Promise<void>;
    /** Encodes text to ids, with the model's dummy prefix and without BOS. */
    encodeIds(text: string): number[];
  }
}
