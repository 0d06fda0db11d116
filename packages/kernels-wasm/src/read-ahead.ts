/**
 * Read-ahead setting of one-row EXL2 products. `true` loads every line of codes 2 KiB
 * (`READ_AHEAD_BYTES`) before the product needs it. `false` leaves that to the hardware prefetchers.
 * `'auto'` times both on the first products and keeps the faster.
 */
export type ReadAheadOption = boolean | 'auto';

/** One-row products each setting runs at least before `'auto'` decides. */
const TRIAL_CALLS = 64;

/**
 * Bytes of codes each setting reads at least before `'auto'` decides. Both together take about one and a
 * half decode steps of a 4-bit 3B model, and far exceed a last-level cache, so the rates are those of
 * reading from memory.
 */
const TRIAL_BYTES = 2 ** 30;

interface Trial {
  calls: number;
  bytes: number;
  milliseconds: number;
}

/**
 * Chooses the read-ahead distance of one-row EXL2 products. Which is faster depends on the machine. On a
 * 2-core Intel KVM guest the read-ahead raised products over 500 MB of layers from 10 to 18 GB/s. On a
 * 2-core AMD Zen 5 guest it cut them from 33 to 21 GB/s. The distance changes no result, only speed,
 * so `'auto'` alternates the two settings product by product until both have read enough codes, then
 * keeps the one with the higher rate for the life of the backend.
 */
export class ReadAheadChoice {
  private chosen: number | undefined;
  private readonly trials: [Trial, Trial] = [
    { calls: 0, bytes: 0, milliseconds: 0 },
    { calls: 0, bytes: 0, milliseconds: 0 },
  ];
  private nextTrial: 0 | 1 = 0;

  /** @param distance The distance the kernels read ahead when they do (`read_ahead_bytes` export). */
  constructor(
    option: ReadAheadOption,
    private readonly distance: number,
  ) {
    if (option !== 'auto') this.chosen = option ? distance : 0;
  }

  /** The distance in use: 0 for none, `undefined` while `'auto'` still times both settings. */
  get bytes(): number | undefined {
    return this.chosen;
  }

  /** Returns the distance for the next one-row product. */
  next(): number {
    if (this.chosen !== undefined) return this.chosen;
    return this.nextTrial === 1 ? this.distance : 0;
  }

  /**
   * Records that a one-row product with read-ahead `distance` read `bytes` of codes in `milliseconds`,
   * and decides once both settings have run long enough.
   */
  record(distance: number, bytes: number, milliseconds: number): void {
    if (this.chosen !== undefined) return;
    const index = distance === 0 ? 0 : 1;
    const trial = this.trials[index];
    trial.calls += 1;
    trial.bytes += bytes;
    trial.milliseconds += milliseconds;
    this.nextTrial = index === 0 ? 1 : 0;
    const [off, on] = this.trials;
    if (Math.min(off.calls, on.calls) < TRIAL_CALLS || Math.min(off.bytes, on.bytes) < TRIAL_BYTES) return;
    // Compares bytes per millisecond by cross-multiplying, so that a zero time divides nothing.
    this.chosen = on.bytes * off.milliseconds > off.bytes * on.milliseconds ? this.distance : 0;
  }
}
