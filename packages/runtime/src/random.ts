/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). The same seed gives the same
 * sequence on every platform, which makes sampling and randomized tests reproducible.
 */
export interface Random {
  /** Returns a number in [0, 1) with 32 random bits. */
  next(): number;
  /** Returns an integer in [0, bound). */
  nextInt(bound: number): number;
  /** Returns a standard normal number (Box-Muller). */
  nextNormal(): number;
}

/** Creates a {@link Random} from a seed; any finite number works, fractions are truncated. */
export function createRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0;
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = Uint32Array.of(splitmix(), splitmix(), splitmix(), splitmix());

  const nextUint32 = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotateLeft(s[3]!, 11);
    return result;
  };

  const next = (): number => nextUint32() / 2 ** 32;
  return {
    next,
    nextInt: (bound) => Math.floor(next() * bound),
    nextNormal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

function rotateLeft(x: number, bits: number): number {
  return ((x << bits) | (x >>> (32 - bits))) >>> 0;
}
