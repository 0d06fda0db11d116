declare module '@agnai/sentencepiece-js' {
  /** Google's SentencePiece processor built for WASM; the package ships no type declarations. */
  export class SentencePieceProcessor {
    load(path: string): Promise<void>;
    encodeIds(text: string): number[];
    decodeIds(ids: number[]): string;
  }
}
