import { describe, expect, test } from 'vitest';
import { type DecodeSettings, DecodeTuner } from './decode-tuning.js';

const MIB = 2 ** 20;

/**
 * Runs products of `bytes` each until `tuner` decides and returns how many ran. `rate(settings)` gives
 * bytes per millisecond.
 */
function runTrials(tuner: DecodeTuner, bytes: number, rate: (settings: DecodeSettings) => number): number {
  let products = 0;
  while (tuner.settings === undefined) {
    const settings = tuner.next();
    tuner.record(settings, '3072x8192', bytes, bytes / rate(settings));
    products += 1;
    if (products > 10_000) throw new Error('no choice after 10000 products');
  }
  return products;
}

describe('DecodeTuner', () => {
  test('fixed options decide at once', () => {
    const tuner = new DecodeTuner(true, 4, 2048);
    expect(tuner.settings).toEqual({ readAheadBytes: 2048, streams: 4 });
    expect(tuner.next()).toBe(tuner.settings);
    expect(new DecodeTuner(false, 2, 2048).settings).toEqual({ readAheadBytes: 0, streams: 2 });
  });

  test("'auto' takes every candidate in turn", () => {
    const tuner = new DecodeTuner('auto', 'auto', 2048);
    const seen: DecodeSettings[] = [];
    for (let i = 0; i < 8; i++) {
      const settings = tuner.next();
      seen.push(settings);
      tuner.record(settings, '3072x8192', MIB, 1);
    }
    expect(seen.slice(0, 4)).toEqual([
      { readAheadBytes: 0, streams: 2 },
      { readAheadBytes: 0, streams: 4 },
      { readAheadBytes: 2048, streams: 2 },
      { readAheadBytes: 2048, streams: 4 },
    ]);
    expect(seen.slice(4)).toEqual(seen.slice(0, 4));
    expect(tuner.settings).toBeUndefined();
  });

  test("'auto' keeps the fastest candidate", () => {
    const tuner = new DecodeTuner('auto', 'auto', 2048);
    // Rates of the Intel guest: read-ahead with four streams fastest.
    const intelRate = (settings: DecodeSettings): number => {
      if (settings.readAheadBytes === 0) return 10;
      return settings.streams === 4 ? 20.5 : 17.6;
    };
    const products = runTrials(tuner, 16 * MIB, intelRate);
    // 8 products of 16 MiB each reach a quarter of the trial's 32 products: the candidates without
    // read-ahead, half as fast, leave. The other two run on to 32 products (512 MiB, over 256).
    expect(products).toBe(4 * 8 + 2 * 24);
    expect(tuner.settings).toEqual({ readAheadBytes: 2048, streams: 4 });
  });

  test("'auto' waits for enough bytes", () => {
    const tuner = new DecodeTuner('auto', 4, 2048);
    // Rates close enough to keep both candidates: 4 MiB products need 64 each for 256 MiB.
    const products = runTrials(tuner, 4 * MIB, (s) => (s.readAheadBytes === 0 ? 37 : 34));
    expect(products).toBe(2 * 64);
    expect(tuner.settings).toEqual({ readAheadBytes: 0, streams: 4 });
  });

  test('the choice stays after more products', () => {
    const tuner = new DecodeTuner(false, 'auto', 2048);
    runTrials(tuner, 64 * MIB, (s) => (s.streams === 2 ? 43 : 37));
    const chosen = tuner.settings;
    tuner.record({ readAheadBytes: 0, streams: 4 }, '3072x8192', 64 * MIB, 0.001);
    expect(tuner.settings).toBe(chosen);
    expect(tuner.next()).toEqual({ readAheadBytes: 0, streams: 2 });
  });

  test('rates compare within each layer shape', () => {
    const tuner = new DecodeTuner('auto', 2, 2048);
    const withoutReadAhead = tuner.next();
    tuner.record(withoutReadAhead, 'small', MIB, MIB / 11);
    const withReadAhead = tuner.next();
    // Without read-ahead it is 10% faster on both shapes, but most of its products fall on the shape that
    // reads three times slower: its overall rate is half the other's.
    const rates = new Map([
      [withoutReadAhead, { small: 11, head: 3.3 }],
      [withReadAhead, { small: 10, head: 3 }],
    ]);
    const run = (settings: DecodeSettings, shape: 'small' | 'head', count: number) => {
      for (let i = 0; i < count; i++)
        tuner.record(settings, shape, 16 * MIB, (16 * MIB) / rates.get(settings)![shape]);
    };
    run(withoutReadAhead, 'head', 40);
    run(withoutReadAhead, 'small', 39);
    run(withReadAhead, 'head', 1);
    run(withReadAhead, 'small', 79);
    expect(tuner.settings).toBe(withoutReadAhead);
  });

  test('a far slower candidate leaves early', () => {
    const tuner = new DecodeTuner('auto', 4, 2048);
    // Rates of the Zen 5 guest with four streams: read-ahead 1.6 times as slow. After 16 products of
    // 4 MiB each (a quarter of the trial's 256 MiB), one candidate is left, and it is kept.
    const products = runTrials(tuner, 4 * MIB, (s) => (s.readAheadBytes === 0 ? 37 : 23));
    expect(products).toBe(2 * 16);
    expect(tuner.settings).toEqual({ readAheadBytes: 0, streams: 4 });
  });
});
