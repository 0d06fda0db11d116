/**
 * Collects bytes from BYTE pieces and releases whole UTF-8 characters. An invalid byte, or an
 * incomplete sequence cut off by `flush`, becomes one U+FFFD per byte, as SentencePiece's decoder does
 * (TextDecoder would merge a maximal invalid prefix into one U+FFFD instead).
 */
export class Utf8Assembler {
  private readonly pending: number[] = [];

  /** True while bytes of an incomplete character are held. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Adds one byte and returns the text it completes, which may be empty. */
  push(byte: number): string {
    this.pending.push(byte);
    return this.drain(false);
  }

  /** Returns U+FFFD for each held byte and clears them. */
  flush(): string {
    return this.drain(true);
  }

  private drain(final: boolean): string {
    const bytes = this.pending;
    let text = '';
    while (bytes.length > 0) {
      const lead = bytes[0]!;
      const needed = sequenceLength(lead);
      if (needed === 0) {
        text += '\uFFFD';
        bytes.shift();
        continue;
      }
      let valid = true;
      for (let i = 1; i < Math.min(needed, bytes.length); i++) {
        if (!isValidContinuation(lead, i, bytes[i]!)) {
          valid = false;
          break;
        }
      }
      if (!valid) {
        text += '\uFFFD';
        bytes.shift();
        continue;
      }
      if (bytes.length < needed) {
        if (!final) break;
        text += '\uFFFD';
        bytes.shift();
        continue;
      }
      text += String.fromCodePoint(decodeSequence(bytes, needed));
      bytes.splice(0, needed);
    }
    return text;
  }
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Checks byte `index` of a sequence, including the second-byte ranges that exclude overlong forms, surrogates and code points past U+10FFFF. */
function isValidContinuation(lead: number, index: number, byte: number): boolean {
  if (index === 1) {
    if (lead === 0xe0) return byte >= 0xa0 && byte <= 0xbf;
    if (lead === 0xed) return byte >= 0x80 && byte <= 0x9f;
    if (lead === 0xf0) return byte >= 0x90 && byte <= 0xbf;
    if (lead === 0xf4) return byte >= 0x80 && byte <= 0x8f;
  }
  return byte >= 0x80 && byte <= 0xbf;
}

function decodeSequence(bytes: readonly number[], size: number): number {
  if (size === 1) return bytes[0]!;
  let cp = bytes[0]! & (0xff >> (size + 1));
  for (let i = 1; i < size; i++) cp = (cp << 6) | (bytes[i]! & 0x3f);
  return cp;
}
