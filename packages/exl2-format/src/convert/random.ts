/** Number of equal-probability intervals of the quantile table behind {@link NormalRandom.fillNormal}. */
const QUANTILE_STEPS = 65536;

let quantileTable: Float64Array | undefined;

/**
 * Builds the standard normal quantiles at probabilities i / 65536 by integrating the density on
 * a fine grid (trapezoid rule, step 1e-4 over [-6, 6]). The two ends, probability 0 and 1,
 * extend the first and last steps linearly, to about ±4.33.
 */
function normalQuantiles(): Float64Array {
  if (quantileTable) return quantileTable;
  const table = new Float64Array(QUANTILE_STEPS + 1);
  const step = 1e-4;
  const start = -6;
  const density = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  let cumulative = 1e-9; // Φ(-6), the mass left of the grid
  let x = start;
  let next = 1;
  while (next < QUANTILE_STEPS && x < -start) {
    const area = 0.5 * step * (density(x) + density(x + step));
    while (next < QUANTILE_STEPS && cumulative + area >= next / QUANTILE_STEPS) {
      // Linear interpolation inside the grid cell where the cumulative mass crosses i / 65536.
      table[next] = x + (step * (next / QUANTILE_STEPS - cumulative)) / area;
      next++;
    }
    cumulative += area;
    x += step;
  }
  table[0] = 2 * table[1]! - table[2]!;
  table[QUANTILE_STEPS] = -table[0];
  quantileTable = table;
  return table;
}

/**
 * Seeded normal samples for synthetic weights. The generator is xoshiro128** seeded through
 * splitmix32. Each 32-bit draw is mapped through a 65536-step table of normal quantiles with
 * linear interpolation, which is several times faster than Box-Muller.
 */
// NOTE: the table clips the tails at about ±4.33 standard deviations, which synthetic weights do not need.
export class NormalRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Creates a generator for `seed` and `stream`, so each tensor can have its own independent sequence. */
  constructor(seed: number, stream = 0) {
    let state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca6b) ^ 0x6a09e667) >>> 0;
    const next = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 1;
  }

  /** Returns the next 32-bit unsigned integer. */
  nextUint32(): number {
    // State words stay int32 (`| 0`) so the engine keeps them unboxed.
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Fills `out` with normal samples of mean `mean` and standard deviation `std`. */
  fillNormal(out: Float32Array, std: number, mean = 0): Float32Array {
    const table = normalQuantiles();
    for (let i = 0; i < out.length; i++) {
      const bits = this.nextUint32();
      const index = bits >>> 16;
      const fraction = (bits & 0xffff) / 65536;
      const low = table[index]!;
      out[i] = mean + std * (low + fraction * (table[index + 1]! - low));
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
