/**
 * Allowed difference between a backend's output and the CPU reference:
 * `|actual - expected| <= relative * |expected| + absoluteRms * rms(expected)`, where `rms` is taken over
 * the whole compared output, so near-zero elements of a large sum are judged against its typical size.
 */
export interface Tolerance {
  /** Share of each expected element's magnitude. */
  relative: number;
  /** Share of the root mean square of the whole expected output. */
  absoluteRms: number;
}

/** Tolerances per op family. */
export interface ConformanceTolerances {
  /** embed, rmsNorm, swiglu, add, copyRows. */
  elementwise: Tolerance;
  /** rope; GPU sine and cosine of large angles lose precision, so this is looser than elementwise. */
  rope: Tolerance;
  /** Dense and EXL2 matmul; sums of thousands of products in another order. */
  matmul: Tolerance;
  /** Attention, including the round trip through an f16 key/value cache. */
  attention: Tolerance;
}

/**
 * Default tolerances by the backend's stated arithmetic precision (`BackendInfo.precision`). f32 values
 * allow for another summation order and f32 transcendental functions; f16 values allow for f16
 * activations and accumulation (about 3 decimal digits).
 */
export const DEFAULT_TOLERANCES: Readonly<Record<'f32' | 'f16', ConformanceTolerances>> = {
  f32: {
    elementwise: { relative: 1e-5, absoluteRms: 1e-6 },
    rope: { relative: 1e-4, absoluteRms: 1e-4 },
    matmul: { relative: 1e-4, absoluteRms: 1e-4 },
    attention: { relative: 1e-4, absoluteRms: 1e-4 },
  },
  f16: {
    elementwise: { relative: 2e-3, absoluteRms: 2e-3 },
    rope: { relative: 4e-3, absoluteRms: 4e-3 },
    matmul: { relative: 1e-2, absoluteRms: 1e-2 },
    attention: { relative: 1e-2, absoluteRms: 1e-2 },
  },
};
