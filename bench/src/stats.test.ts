import { describe, expect, it } from 'vitest';
import { rotate, summarize } from './stats.js';

describe('summarize', () => {
  it('takes the middle value of an odd count', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, count: 3 });
  });

  it('averages the middle pair of an even count', () => {
    expect(summarize([4, 1, 2, 10])).toEqual({ median: 3, min: 1, max: 10, count: 4 });
  });

  it('ignores non-finite values', () => {
    expect(summarize([Number.NaN, 2, Number.POSITIVE_INFINITY])).toEqual({
      median: 2,
      min: 2,
      max: 2,
      count: 1,
    });
    expect(summarize([])).toBeUndefined();
  });
});

describe('rotate', () => {
  it('starts each round with the next item', () => {
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(rotate([], 2)).toEqual([]);
  });
});
