/**
 * Read-ahead setting of one-row EXL2 products. `true` loads every line of codes 2 KiB
 * (`READ_AHEAD_BYTES`) before the product needs it. `false` leaves that to the hardware prefetchers.
 * `'auto'` times both on the first decode steps and keeps the faster.
 */
export type ReadAheadOption = boolean | 'auto';

/**
 * Memory streams each thread reads in one-row EXL2 products: its range of tiles splits into this many
 * parts that run side by side. `'auto'` times both counts on the first decode steps and keeps the faster.
 */
export type DecodeStreamsOption = 2 | 4 | 'auto';

/** The read pattern of one-row EXL2 products. */
export interface DecodeSettings {
  /** Bytes ahead at which products load the codes they will need, or 0 for none. */
  readonly readAheadBytes: number;
  /** Memory streams each thread reads. */
  readonly streams: 2 | 4;
}

/** One-row products each candidate runs at least before `'auto'` decides. */
const TRIAL_CALLS = 32;

/**
 * Bytes of codes each candidate reads at least before `'auto'` decides. This far exceeds a last-level
 * cache, so the rates are those of reading from memory. Four candidates together read about as much as
 * 0.7 decode steps of a 4-bit 3B model.
 */
const TRIAL_BYTES = 2 ** 28;

/**
 * Candidates estimated this many times as slow as the fastest are dropped once each candidate has run a
 * quarter of its trial. Read-ahead was 1.7 times as slow as none on the Zen 5 guest, and half as fast on
 * the Intel guest, while stream counts differed by 10 to 20%.
 */
const DROP_RATIO = 1.3;

/** Bytes and milliseconds one candidate spent on the products of one layer shape. */
interface Totals {
  calls: number;
  bytes: number;
  milliseconds: number;
}

/**
 * Chooses how one-row EXL2 products read their codes. Which settings are fastest depends on the machine.
 * On a 2-core Intel KVM guest, read-ahead with four streams per thread was fastest (20.5 GB/s over
 * 500 MB of layers, against about 10 without read-ahead). On a 2-core AMD Zen 5 guest, two streams
 * without read-ahead were (42 GB/s, against 22 with read-ahead and four streams). The settings change no result,
 * only speed, so each `'auto'` option adds its choices as candidates. The products take the candidates in
 * turn until each has read enough codes, then the fastest stays for the life of the backend. Candidates
 * far slower than the fastest leave the trial early, which shortens the slow part of the first steps.
 *
 * Rates differ between layer shapes (a 3B model's head reads at another speed than its attention
 * products), and taking turns gives each candidate a different mix of them. So the tuner sums time per
 * byte for each shape and candidate, and weighs the shapes by the bytes they read.
 */
export class DecodeTuner {
  private readonly candidates: DecodeSettings[];
  private readonly totals: Totals[];
  private readonly shapes = new Map<string, Totals[]>();
  private readonly active: boolean[];
  private chosen: DecodeSettings | undefined;
  private turn = 0;
  private dropped = false;

  /** @param distance The distance the kernels read ahead when they do (`read_ahead_bytes` export). */
  constructor(readAhead: ReadAheadOption, streams: DecodeStreamsOption, distance: number) {
    const distances = readAhead === 'auto' ? [0, distance] : [readAhead ? distance : 0];
    const counts: (2 | 4)[] = streams === 'auto' ? [2, 4] : [streams];
    this.candidates = distances.flatMap((readAheadBytes) =>
      counts.map((count) => ({ readAheadBytes, streams: count })),
    );
    this.totals = this.candidates.map(() => ({ calls: 0, bytes: 0, milliseconds: 0 }));
    this.active = this.candidates.map(() => true);
    if (this.candidates.length === 1) this.chosen = this.candidates[0];
  }

  /** The settings in use, or `undefined` while the candidates are still being timed. */
  get settings(): DecodeSettings | undefined {
    return this.chosen;
  }

  /** Returns the settings for the next one-row product. */
  next(): DecodeSettings {
    return this.chosen ?? this.candidates[this.turn]!;
  }

  /**
   * Records that a one-row product with `settings` (as returned by `next`) on a layer of shape `shape`
   * read `bytes` of codes in `milliseconds`, and decides once every candidate has run long enough.
   */
  record(settings: DecodeSettings, shape: string, bytes: number, milliseconds: number): void {
    if (this.chosen !== undefined) return;
    const index = this.candidates.indexOf(settings);
    if (index < 0) return;
    let perShape = this.shapes.get(shape);
    if (perShape === undefined) {
      perShape = this.candidates.map(() => ({ calls: 0, bytes: 0, milliseconds: 0 }));
      this.shapes.set(shape, perShape);
    }
    for (const totals of [this.totals[index]!, perShape[index]!]) {
      totals.calls += 1;
      totals.bytes += bytes;
      totals.milliseconds += milliseconds;
    }
    do {
      this.turn = (this.turn + 1) % this.candidates.length;
    } while (!this.active[this.turn]);
    if (!this.dropped && this.ranFor(4)) {
      this.dropped = true;
      const scores = this.scores();
      const best = Math.min(...scores);
      scores.forEach((score, i) => {
        if (score > DROP_RATIO * best) this.active[i] = false;
      });
      while (!this.active[this.turn]) this.turn = (this.turn + 1) % this.candidates.length;
    }
    if (this.active.filter(Boolean).length > 1 && !this.ranFor(1)) return;
    const scores = this.scores();
    this.chosen = this.candidates[scores.indexOf(Math.min(...scores))];
  }

  /** Tells whether every active candidate has run `1 / part` of its trial. */
  private ranFor(part: number): boolean {
    return this.totals.every(
      (totals, i) =>
        !this.active[i] || (totals.calls >= TRIAL_CALLS / part && totals.bytes >= TRIAL_BYTES / part),
    );
  }

  /**
   * Returns each candidate's estimated time: time per byte summed over the shapes every active candidate
   * has run, each weighted by its bytes. Inactive candidates score infinity.
   */
  private scores(): number[] {
    const scores = this.candidates.map((_, i) => (this.active[i] ? 0 : Number.POSITIVE_INFINITY));
    let compared = false;
    for (const perShape of this.shapes.values()) {
      if (perShape.some((totals, i) => this.active[i] && totals.calls === 0)) continue;
      compared = true;
      const weight = perShape.reduce((sum, totals) => sum + totals.bytes, 0);
      perShape.forEach((totals, i) => {
        if (this.active[i]) scores[i]! += (weight * totals.milliseconds) / totals.bytes;
      });
    }
    if (!compared) {
      this.totals.forEach((totals, i) => {
        if (this.active[i]) scores[i] = totals.milliseconds / totals.bytes;
      });
    }
    return scores;
  }
}
