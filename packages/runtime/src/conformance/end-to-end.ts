import type { ConformanceContext } from './context.js';

/** Greedy generation of the stories260K model on the backend under test. */
export function describeEndToEndConformance(
  _context: ConformanceContext,
  _fixturesDir: string | undefined,
): void {
  // TODO: add once the model can be loaded (needs the exl2-format llama2.c converter).
}
