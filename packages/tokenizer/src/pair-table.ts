/**
 * An open-addressing hash table from a pair of non-negative int32 keys to an int32 value, stored in
 * typed arrays. BPE looks up every adjacent symbol pair here, so lookups allocate nothing.
 */
export class PairTable {
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;

  /** Creates a table for at most `capacity` entries (kept below half full). */
  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.lefts = new Int32Array(size).fill(-1);
    this.rights = new Int32Array(size);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Stores `value` for the pair, replacing an earlier value. */
  set(left: number, right: number, value: number): void {
    let slot = hashPair(left, right) & this.mask;
    while (this.lefts[slot] !== -1) {
      if (this.lefts[slot] === left && this.rights[slot] === right) break;
      slot = (slot + 1) & this.mask;
    }
    this.lefts[slot] = left;
    this.rights[slot] = right;
    this.values[slot] = value;
  }

  /** Returns the value of the pair, or -1 when it has none. */
  get(left: number, right: number): number {
    let slot = hashPair(left, right) & this.mask;
    while (true) {
      const stored = this.lefts[slot]!;
      if (stored === -1) return -1;
      if (stored === left && this.rights[slot] === right) return this.values[slot]!;
      slot = (slot + 1) & this.mask;
    }
  }
}

function hashPair(left: number, right: number): number {
  const hash = Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77);
  return hash ^ (hash >>> 15);
}
