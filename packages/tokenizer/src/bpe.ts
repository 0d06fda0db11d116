import { TypeCode, type Vocabulary } from './vocabulary.js';

const utf8Encoder = new TextEncoder();

/**
 * Encodes one normalized string with the semantics of `bpe::Model::Encode` in google/sentencepiece.
 * It starts from single characters and whole USER_DEFINED pieces, which never merge. It then merges
 * the adjacent pair whose concatenation is the highest-scoring piece, the leftmost pair on a tie,
 * until no pair forms a piece. Finally it splits UNUSED pieces back into their parts and turns
 * characters that are not pieces into BYTE pieces (or `<unk>` without byte fallback).
 *
 * Symbols live in a doubly linked list over typed arrays and candidate pairs in a binary heap, so a
 * string of n characters costs O(n log n). Stale heap entries are detected the way SentencePiece
 * does: a pair is still valid only while both symbols keep the lengths they had when it was pushed.
 */
export class BpeEncoder {
  private readonly vocab: Vocabulary;
  private capacity = 0;
  private start = new Int32Array(0);
  private length = new Int32Array(0);
  private key = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private frozen = new Uint8Array(0);
  private heapCapacity = 0;
  private heapScore = new Float64Array(0);
  private heapLeft = new Int32Array(0);
  private heapRight = new Int32Array(0);
  private heapSize = new Int32Array(0);
  private heapMerged = new Int32Array(0);
  private heapCount = 0;
  /** For UNUSED pieces formed in the current call: the symbol keys they were merged from. */
  private readonly unusedParts = new Map<number, [number, number]>();

  constructor(vocab: Vocabulary) {
    this.vocab = vocab;
  }

  /** Appends the ids of `text` (already normalized, `▁` for spaces) to `out`. */
  encode(text: string, out: number[]): void {
    if (text.length === 0) return;
    const vocab = this.vocab;
    this.reserveSymbols(text.length);
    const start = this.start;
    const length = this.length;
    const key = this.key;
    const prev = this.prev;
    const next = this.next;
    const frozen = this.frozen;

    // Split into characters, taking USER_DEFINED pieces whole.
    let count = 0;
    const userDefined = vocab.userDefinedByFirstUnit;
    for (let i = 0; i < text.length; ) {
      let size = 0;
      let symbolKey = -1;
      let isFrozen = 0;
      if (userDefined.size > 0) {
        const candidates = userDefined.get(text.charCodeAt(i));
        if (candidates !== undefined) {
          for (const candidate of candidates) {
            if (text.startsWith(candidate, i)) {
              size = candidate.length;
              symbolKey = vocab.mergeableIds.get(candidate)!;
              isFrozen = 1;
              break;
            }
          }
        }
      }
      if (size === 0) {
        const cp = text.codePointAt(i)!;
        size = cp > 0xffff ? 2 : 1;
        symbolKey = vocab.keyOfCodePoint(cp);
      }
      start[count] = i;
      length[count] = size;
      key[count] = symbolKey;
      frozen[count] = isFrozen;
      prev[count] = count - 1;
      next[count] = count + 1;
      count++;
      i += size;
    }
    next[count - 1] = -1;

    // Merge the best pair until none is left.
    this.heapCount = 0;
    this.unusedParts.clear();
    this.reserveHeap(count * 3 + 8);
    for (let i = 1; i < count; i++) this.pushPair(i - 1, i);
    while (this.heapCount > 0) {
      const left = this.heapLeft[0]!;
      const right = this.heapRight[0]!;
      const size = this.heapSize[0]!;
      const merged = this.heapMerged[0]!;
      this.popTop();
      if (length[left] === 0 || length[right] === 0 || length[left]! + length[right]! !== size) continue;
      length[left] = size;
      key[left] = merged;
      length[right] = 0;
      const after = next[right]!;
      next[left] = after;
      if (after >= 0) prev[after] = left;
      this.pushPair(prev[left]!, left);
      this.pushPair(left, after);
    }

    for (let index = 0; index !== -1; index = next[index]!) {
      this.emitSymbol(key[index]!, text, start[index]!, length[index]!, out);
    }
  }

  private pushPair(left: number, right: number): void {
    if (left < 0 || right < 0 || this.frozen[left] === 1 || this.frozen[right] === 1) return;
    const leftKey = this.key[left]!;
    const rightKey = this.key[right]!;
    if (leftKey < 0 || rightKey < 0) return;
    const merged = this.vocab.merges.get(leftKey, rightKey);
    if (merged < 0) return;
    if (this.vocab.types[merged] === TypeCode.UNUSED) this.unusedParts.set(merged, [leftKey, rightKey]);
    this.pushHeap(this.vocab.scores[merged]!, left, right, this.length[left]! + this.length[right]!, merged);
  }

  private emitSymbol(symbolKey: number, text: string, begin: number, size: number, out: number[]): void {
    const vocab = this.vocab;
    if (symbolKey >= 0 && symbolKey < vocab.pieces.length) {
      if (vocab.types[symbolKey] === TypeCode.UNUSED) this.emitUnused(symbolKey, out);
      else out.push(symbolKey);
      return;
    }
    this.emitUnknown(text.slice(begin, begin + size), out);
  }

  /** Splits an UNUSED piece into the symbols it was merged from, as SentencePiece's resegmentation does. */
  private emitUnused(symbolKey: number, out: number[]): void {
    const vocab = this.vocab;
    if (symbolKey >= vocab.pieces.length) {
      this.emitUnknown(vocab.syntheticChars[symbolKey - vocab.pieces.length]!, out);
      return;
    }
    const parts = vocab.types[symbolKey] === TypeCode.UNUSED ? this.unusedParts.get(symbolKey) : undefined;
    if (parts === undefined) {
      out.push(symbolKey);
      return;
    }
    this.emitUnused(parts[0], out);
    this.emitUnused(parts[1], out);
  }

  /** Emits a character that is not a mergeable piece: its own id if it is another kind of piece, else its bytes. */
  private emitUnknown(char: string, out: number[]): void {
    const vocab = this.vocab;
    const id = vocab.allIds.get(char);
    if (id !== undefined) {
      out.push(id);
      return;
    }
    if (!vocab.byteFallback) {
      out.push(vocab.unkId);
      return;
    }
    for (const byte of utf8Encoder.encode(char)) {
      const byteId = vocab.byteIds[byte]!;
      out.push(byteId >= 0 ? byteId : vocab.unkId);
    }
  }

  private reserveSymbols(size: number): void {
    if (size <= this.capacity) return;
    const capacity = Math.max(size, this.capacity * 2, 64);
    this.capacity = capacity;
    this.start = new Int32Array(capacity);
    this.length = new Int32Array(capacity);
    this.key = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.frozen = new Uint8Array(capacity);
  }

  private reserveHeap(size: number): void {
    if (size <= this.heapCapacity) return;
    const capacity = Math.max(size, this.heapCapacity * 2, 64);
    const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const grown = make(capacity);
      grown.set(old.subarray(0, this.heapCount) as never);
      return grown;
    };
    this.heapScore = grow(this.heapScore, (n) => new Float64Array(n));
    this.heapLeft = grow(this.heapLeft, (n) => new Int32Array(n));
    this.heapRight = grow(this.heapRight, (n) => new Int32Array(n));
    this.heapSize = grow(this.heapSize, (n) => new Int32Array(n));
    this.heapMerged = grow(this.heapMerged, (n) => new Int32Array(n));
    this.heapCapacity = capacity;
  }

  /** True when entry a must pop before entry b: higher score first, then the leftmost pair. */
  private before(a: number, b: number): boolean {
    const scoreA = this.heapScore[a]!;
    const scoreB = this.heapScore[b]!;
    return scoreA > scoreB || (scoreA === scoreB && this.heapLeft[a]! < this.heapLeft[b]!);
  }

  private pushHeap(score: number, left: number, right: number, size: number, merged: number): void {
    if (this.heapCount === this.heapCapacity) this.reserveHeap(this.heapCount + 1);
    let index = this.heapCount++;
    this.write(index, score, left, right, size, merged);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  private popTop(): void {
    const last = --this.heapCount;
    if (last === 0) return;
    this.copy(last, 0);
    let index = 0;
    while (true) {
      const leftChild = index * 2 + 1;
      if (leftChild >= last) break;
      const rightChild = leftChild + 1;
      const child = rightChild < last && this.before(rightChild, leftChild) ? rightChild : leftChild;
      if (!this.before(child, index)) break;
      this.swap(child, index);
      index = child;
    }
  }

  private write(
    index: number,
    score: number,
    left: number,
    right: number,
    size: number,
    merged: number,
  ): void {
    this.heapScore[index] = score;
    this.heapLeft[index] = left;
    this.heapRight[index] = right;
    this.heapSize[index] = size;
    this.heapMerged[index] = merged;
  }

  private copy(from: number, to: number): void {
    this.write(
      to,
      this.heapScore[from]!,
      this.heapLeft[from]!,
      this.heapRight[from]!,
      this.heapSize[from]!,
      this.heapMerged[from]!,
    );
  }

  private swap(a: number, b: number): void {
    const score = this.heapScore[a]!;
    const left = this.heapLeft[a]!;
    const right = this.heapRight[a]!;
    const size = this.heapSize[a]!;
    const merged = this.heapMerged[a]!;
    this.copy(b, a);
    this.write(b, score, left, right, size, merged);
  }
}
