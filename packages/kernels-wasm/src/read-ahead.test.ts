import { describe, expect, test } from 'vitest';
import { ReadAheadChoice } from './read-ahead.js';

const MIB = 2 ** 20;

/** Runs products of `bytes` each until `choice` decides. `rate(distance)` gives bytes per millisecond. */
function trialUntilChosen(
  choice: ReadAheadChoice,
  bytes: number,
  rate: (distance: number) => number,
): number {
  const used: number[] = [];
  while (choice.bytes === undefined) {
    const distance = choice.next();
    used.push(distance);
    choice.record(distance, bytes, bytes / rate(distance));
    if (used.length > 10_000) throw new Error('no choice after 10000 products');
  }
  return used.length;
}

describe('ReadAheadChoice', () => {
  test('true and false fix the distance from the start', () => {
    const on = new ReadAheadChoice(true, 2048);
    const off = new ReadAheadChoice(false, 2048);
    expect([on.bytes, on.next()]).toEqual([2048, 2048]);
    expect([off.bytes, off.next()]).toEqual([0, 0]);
    on.record(2048, 1, 1000);
    expect(on.bytes).toBe(2048);
  });

  test("'auto' alternates the two distances", () => {
    const choice = new ReadAheadChoice('auto', 2048);
    const used: number[] = [];
    for (let i = 0; i < 6; i++) {
      const distance = choice.next();
      used.push(distance);
      choice.record(distance, MIB, 1);
    }
    expect(used).toEqual([0, 2048, 0, 2048, 0, 2048]);
    expect(choice.bytes).toBeUndefined();
  });

  test("'auto' keeps read-ahead where it reads faster", () => {
    const choice = new ReadAheadChoice('auto', 2048);
    // 16 MiB products: 64 of each setting reach 1 GiB each.
    const products = trialUntilChosen(choice, 16 * MIB, (distance) => (distance === 0 ? 10 : 18));
    expect(products).toBe(128);
    expect(choice.bytes).toBe(2048);
    expect(choice.next()).toBe(2048);
  });

  test("'auto' drops read-ahead where it reads slower", () => {
    const choice = new ReadAheadChoice('auto', 2048);
    // 4 MiB products: 64 products are too few bytes, so it runs until each setting has read 1 GiB.
    const products = trialUntilChosen(choice, 4 * MIB, (distance) => (distance === 0 ? 33 : 21));
    expect(products).toBe(512);
    expect(choice.bytes).toBe(0);
    choice.record(0, 4 * MIB, 1e6);
    expect(choice.next()).toBe(0);
  });
});
