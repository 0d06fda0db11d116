/**
 * The backend conformance suite: vitest tests that compare a backend with the CPU reference. Requires
 * vitest (a peer dependency).
 *
 * @packageDocumentation
 */
export type { Comparison } from './conformance/compare.js';
export { compareOutputs, expectClose } from './conformance/compare.js';
export type { Exl2PlanPart, RandomExl2Options } from './conformance/random-exl2.js';
export { planExl2Groups, randomExl2Weight } from './conformance/random-exl2.js';
export {
  type BackendConformanceOptions,
  type ConformancePart,
  describeBackendConformance,
} from './conformance/suite.js';
export { type ConformanceTolerances, DEFAULT_TOLERANCES, type Tolerance } from './conformance/tolerances.js';
export { createRandom, type Random } from './random.js';
