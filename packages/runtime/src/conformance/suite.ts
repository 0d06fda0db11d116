import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCpuBackend } from '../backend/cpu/cpu-backend.js';
import { BACKEND_SPECIFICATION_VERSION, type Backend } from '../backend/interface.js';
import { describeAttentionConformance } from './cases-attention.js';
import { describeElementwiseConformance } from './cases-elementwise.js';
import { describeMatmulConformance } from './cases-matmul.js';
import { describeSamplingConformance } from './cases-sampling.js';
import { createConformanceContext } from './context.js';
import { describeEndToEndConformance } from './end-to-end.js';
import { type ConformanceTolerances, DEFAULT_TOLERANCES, type Tolerance } from './tolerances.js';

/** Parts of the conformance suite that can be selected with {@link BackendConformanceOptions.parts}. */
export type ConformancePart = 'elementwise' | 'matmul' | 'attention' | 'sampling' | 'end-to-end';

/** Options of {@link describeBackendConformance}. */
export interface BackendConformanceOptions {
  /**
   * Tolerances per op family, replacing the defaults for the backend's `info.precision` family by family.
   * Default: {@link DEFAULT_TOLERANCES}.
   */
  tolerances?: Partial<Record<keyof ConformanceTolerances, Tolerance>>;
  /** Seed of the random shapes' data. Default 1. */
  seed?: number;
  /**
   * Directory holding `llama2c/stories260K.bin`, `llama2c/tok512.bin` and
   * `llama2c/stories260K-expected.json` for the end-to-end tests. Default: the `MINICHAT_FIXTURES`
   * environment variable. The end-to-end tests are skipped when neither is set or outside Node.
   */
  fixturesDir?: string;
  /** Parts to run. Default: all of them. */
  parts?: readonly ConformancePart[];
}

/**
 * Declares vitest tests that compare every op of a backend with the CPU reference backend on randomized
 * shapes (MiniChat's 3072/8192/128-dimension heads, GQA, odd sizes, every EXL2 bit width and mixed
 * groups, f32 and f16 weights and caches, device sampling), and an end-to-end greedy generation of the
 * stories260K model. Call it at the top level of a test file.
 *
 * @param name - backend name shown in test titles
 * @param createBackend - creates the backend under test; called once before the tests, disposed after
 * @example
 * ```ts
 * import { describeBackendConformance } from '@minichat/runtime/conformance';
 * describeBackendConformance('webgpu', () => createNodeWebGpuBackend());
 * ```
 */
export function describeBackendConformance(
  name: string,
  createBackend: () => Backend | Promise<Backend>,
  options: BackendConformanceOptions = {},
): void {
  let backend: Backend | undefined;
  let reference: Backend | undefined;
  let tolerances: ConformanceTolerances = DEFAULT_TOLERANCES.f32;
  const parts = new Set<ConformancePart>(
    options.parts ?? ['elementwise', 'matmul', 'attention', 'sampling', 'end-to-end'],
  );

  const context = createConformanceContext(
    () => backend ?? failSetup(),
    () => reference ?? failSetup(),
    () => tolerances,
    options.seed ?? 1,
  );

  describe(`${name} backend conformance`, () => {
    beforeAll(async () => {
      backend = await createBackend();
      reference = createCpuBackend();
      tolerances = { ...DEFAULT_TOLERANCES[backend.info.precision], ...options.tolerances };
    });
    afterAll(() => {
      backend?.dispose();
      reference?.dispose();
    });

    test('implements this backend interface version', () => {
      expect(context.backend().specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
    });

    if (parts.has('elementwise')) describeElementwiseConformance(context);
    if (parts.has('matmul')) describeMatmulConformance(context);
    if (parts.has('attention')) describeAttentionConformance(context);
    if (parts.has('sampling')) describeSamplingConformance(context);
    if (parts.has('end-to-end')) describeEndToEndConformance(context, options.fixturesDir);
  });
}

function failSetup(): never {
  throw new Error('The conformance backend is not created yet: its beforeAll hook failed or did not run.');
}
