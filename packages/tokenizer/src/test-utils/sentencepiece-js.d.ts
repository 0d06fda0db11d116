declare module '@agnai/sentencepiece-js' {
  /** Google's SentencePiece processor compiled to WASM (the package ships no types). */
  export class SentencePieceProcessor {
    load(path: string): Promise<void>;
    encodeIds(text: string): number[];
    encodePieces(text: string): string[];
    decodeIds(ids: number[]): string;
  }
}
