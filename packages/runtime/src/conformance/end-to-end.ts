import { describe, expect, test } from 'vitest';
import type { ConformanceContext } from './context.js';

/** Greedy generation of the stories260K model on the backend under test. */
export function describeEndToEndConformance(
  context: ConformanceContext,
  fixturesDir: string | undefined,
): void {
  const directory =
    fixturesDir ??
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
      ?.MINICHAT_FIXTURES;
  const isNode =
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ===
    'string';

  describe.skipIf(directory === undefined || !isNode)('stories260K end to end', () => {
    for (const format of ['f32', 'f16'] as const) {
      test(`greedy 200 tokens from the ${format} export`, async () => {
        // Imported lazily: the converter and file helpers need Node.
        const { greedyFromBos, loadStories260k, readStories260kExpected } = await import('./stories260k.js');
        const expected = await readStories260kExpected(directory!);
        const { model, cleanup } = await loadStories260k(directory!, context.backend(), format);
        try {
          const finish = await greedyFromBos(model, 200);
          const tokens = finish.tokens;
          const firstMismatch = tokens.findIndex((token, i) => token !== expected.tokens[i]);
          // The smallest top-2 logit gap in this run is about 0.004, so an f16-precision backend may
          // legitimately diverge. It must still follow the reference for the first 50 ids.
          const required = context.backend().info.precision === 'f32' ? expected.tokens.length : 50;
          const matched = firstMismatch === -1 ? tokens.length : firstMismatch;
          expect(
            matched,
            `first ${required} ids match (first mismatch at ${firstMismatch})`,
          ).toBeGreaterThanOrEqual(required);
          if (context.backend().info.precision === 'f32') expect(finish.text).toBe(expected.text);
        } finally {
          await cleanup();
        }
      });
    }

    test('8-bit exl2 export follows the reference backend', async () => {
      const { convertStories260k, greedyFromBos } = await import('./stories260k.js');
      const { loadModelFromDirectory } = await import('../node.js');
      const converted = await convertStories260k(directory!, 'exl2-8bit');
      const reference = {
        model: await loadModelFromDirectory(converted.directory, {
          backend: context.reference(),
          kvCacheDtype: 'f32',
        }),
      };
      const underTest = {
        model: await loadModelFromDirectory(converted.directory, {
          backend: context.backend(),
          kvCacheDtype: 'f32',
        }),
      };
      try {
        const expected = (await greedyFromBos(reference.model, 64)).tokens;
        const actual = (await greedyFromBos(underTest.model, 64)).tokens;
        const firstMismatch = actual.findIndex((token, i) => token !== expected[i]);
        expect(
          firstMismatch === -1 ? actual.length : firstMismatch,
          'ids matching the CPU reference',
        ).toBeGreaterThanOrEqual(context.backend().info.precision === 'f32' ? 64 : 16);
      } finally {
        reference.model.dispose();
        underTest.model.dispose();
        await converted.cleanup();
      }
    });
  });
}
