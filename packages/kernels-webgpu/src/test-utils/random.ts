/** A small seeded generator (mulberry32) for test data. */
export class TestRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns the next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns the next integer in [0, limit). */
  int(limit: number): number {
    return Math.floor(this.next() * limit);
  }

  /** `count` values uniform in [-scale, scale). */
  floats(count: number, scale = 1): Float32Array<ArrayBuffer> {
    return Float32Array.from({ length: count }, () => (2 * this.next() - 1) * scale);
  }
}
