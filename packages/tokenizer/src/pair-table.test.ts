import { describe, expect, it } from 'vitest';
import { PairTable } from './pair-table.js';

describe('PairTable', () => {
  it('returns stored values and -1 for missing pairs', () => {
    const table = new PairTable(20_000);
    for (let left = 0; left < 200; left++) {
      for (let right = 0; right < 100; right++) table.set(left, right * 7, left * 1000 + right);
    }
    for (let left = 0; left < 200; left++) {
      for (let right = 0; right < 100; right++) {
        if (table.get(left, right * 7) !== left * 1000 + right)
          expect(table.get(left, right * 7)).toBe(left * 1000 + right);
      }
    }
    expect(table.get(3, 1)).toBe(-1);
    expect(table.get(200, 0)).toBe(-1);
  });

  it('replaces the value of an existing pair', () => {
    const table = new PairTable(4);
    table.set(1, 2, 10);
    table.set(1, 2, 11);
    expect(table.get(1, 2)).toBe(11);
    expect(table.get(2, 1)).toBe(-1);
  });
});
