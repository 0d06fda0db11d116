import type { Backend } from '../backend/interface.js';
import { createRandom, type Random } from '../random.js';
import { expectClose } from './compare.js';
import { type Scope, withScope } from './scope.js';
import type { ConformanceTolerances } from './tolerances.js';

/** Backends, tolerances and random data shared by the conformance tests; the suite creates it. */
export interface ConformanceContext {
  /** The backend under test. */
  backend(): Backend;
  /** The CPU reference backend. */
  reference(): Backend;
  /** Tolerances in force for the backend under test. */
  tolerances(): ConformanceTolerances;
  /** A generator seeded from the suite seed and `label`, so every test draws its own reproducible data. */
  random(label: string): Random;
  /**
   * Runs `body` on the backend under test and on the reference, each in its own scope, and asserts the
   * returned outputs agree within the tolerance of `family`.
   */
  compare(
    label: string,
    family: keyof ConformanceTolerances,
    body: (scope: Scope) => Promise<Float32Array>,
  ): Promise<void>;
}

/** Builds a {@link ConformanceContext} over lazily created backends. */
export function createConformanceContext(
  getBackend: () => Backend,
  getReference: () => Backend,
  getTolerances: () => ConformanceTolerances,
  seed: number,
): ConformanceContext {
  return {
    backend: getBackend,
    reference: getReference,
    tolerances: getTolerances,
    random: (label) => createRandom(seed ^ hashLabel(label)),
    async compare(label, family, body) {
      const expected = await withScope(getReference(), body);
      const actual = await withScope(getBackend(), body);
      expectClose(actual, expected, getTolerances()[family], label);
    },
  };
}

/** Returns `count` standard normal numbers times `scale`. */
export function normalArray(random: Random, count: number, scale = 1): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = random.nextNormal() * scale;
  return values;
}

function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
