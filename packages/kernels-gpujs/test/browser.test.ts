import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tolerance } from '@minichat/runtime/conformance';
import {
  createRandom,
  DEFAULT_TOLERANCES,
  expectClose,
  planExl2Groups,
  randomExl2Weight,
} from '@minichat/runtime/conformance';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeCase, type OpCase, runCase } from './browser/cases.js';
import type { PageApi } from './browser/page.js';

// Chromium's flags for a machine without a GPU and without network: WebGL runs on SwiftShader.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const CHROMIUM = '/usr/bin/chromium';

interface NamedCase {
  name: string;
  tolerance: Tolerance;
  opCase: OpCase;
}

/** Small cases of every op: each EXL2 bit width, a mixed-width layer, GQA attention over an f16 cache. */
function buildCases(): NamedCase[] {
  const random = createRandom(20261204);
  const normal = (count: number, scale = 1) =>
    Float32Array.from({ length: count }, () => random.nextNormal() * scale);
  const tolerances = DEFAULT_TOLERANCES.f32;
  const cases: NamedCase[] = [];

  const plans = [2, 3, 4, 5, 6, 8].map((bits) => ({
    name: `exl2 ${bits}-bit`,
    inFeatures: 256,
    plan: [{ bits, proportion: 1, groupSize: 32 }],
  }));
  plans.push({
    name: 'exl2 8/4/3-bit odd 172 -> 67',
    inFeatures: 172,
    plan: [
      { bits: 8, proportion: 0.1, groupSize: 32 },
      { bits: 4, proportion: 0.3, groupSize: 128 },
      { bits: 3, proportion: 0.6, groupSize: 128 },
    ],
  });

  for (const { name, inFeatures, plan } of plans) {
    const outFeatures = name.includes('odd') ? 67 : 96;
    const weight = randomExl2Weight(random, {
      name,
      inFeatures,
      outFeatures,
      groups: planExl2Groups(inFeatures, plan),
      bias: true,
    });
    cases.push({
      name,
      tolerance: tolerances.matmul,
      opCase: { kind: 'matmul', weight, rows: 3, x: normal(3 * inFeatures) },
    });
  }

  cases.push({
    name: 'dense f32 96 -> 40',
    tolerance: tolerances.matmul,
    opCase: {
      kind: 'matmul',
      weight: {
        kind: 'dense',
        name: 'dense',
        inFeatures: 96,
        outFeatures: 40,
        dtype: 'f32',
        data: normal(96 * 40, 0.1),
      },
      rows: 2,
      x: normal(2 * 96),
    },
  });
  cases.push({
    name: 'embed',
    tolerance: tolerances.elementwise,
    opCase: {
      kind: 'embed',
      table: { vocabSize: 50, dim: 24, dtype: 'f32', data: normal(50 * 24) },
      tokens: Int32Array.from([49, 0, 7]),
    },
  });
  cases.push({
    name: 'rmsNorm',
    tolerance: tolerances.elementwise,
    opCase: { kind: 'rmsNorm', rows: 3, cols: 173, x: normal(3 * 173, 3), weight: normal(173), eps: 1e-5 },
  });
  cases.push({
    name: 'rope',
    tolerance: tolerances.rope,
    opCase: {
      kind: 'rope',
      rows: 3,
      cols: 6 * 16 + 6,
      x: normal(3 * 102),
      params: { numHeads: 6, headDim: 16, startPosition: 300, theta: 10000 },
    },
  });
  cases.push({
    name: 'swiglu and add',
    tolerance: tolerances.elementwise,
    opCase: { kind: 'swigluAdd', rows: 2, cols: 172, gate: normal(2 * 172, 4), up: normal(2 * 172) },
  });

  for (const dtype of ['f32', 'f16'] as const) {
    const params = { layer: 1, numHeads: 6, numKvHeads: 2, headDim: 10 };
    cases.push({
      name: `attention ${dtype} cache`,
      tolerance: tolerances.attention,
      opCase: {
        kind: 'attention',
        dtype,
        maxSequenceLength: 40,
        params,
        calls: [5, 1, 3].map((rows) => ({
          rows,
          q: normal(rows * 60),
          k: normal(rows * 20),
          v: normal(rows * 20),
        })),
      },
    });
  }
  return cases;
}

/** Sampling draws, compared as token ids. */
function buildSampleCases(): OpCase[] {
  const random = createRandom(7);
  const logits = Float32Array.from({ length: 300 }, () => random.nextNormal() * 4);
  return [
    { kind: 'sample', logits, params: { temperature: 0, topK: 0, topP: 1 }, uniform: 0 },
    { kind: 'sample', logits, params: { temperature: 0.8, topK: 40, topP: 0.9 }, uniform: 0.37 },
  ];
}

describe.skipIf(process.env.MINICHAT_SKIP_BROWSER === '1')('gpu.js backend in headless Chromium', () => {
  let directory: string;
  let server: Server;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'minichat-gpujs-page-'));
    await build({
      entryPoints: [join(import.meta.dirname, 'browser/page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      conditions: ['minichat-source'],
      outfile: join(directory, 'page.js'),
      logLevel: 'silent',
    });
    const files: Record<string, { type: string; body: Buffer | string }> = {
      '/': { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' },
      '/page.js': { type: 'text/javascript', body: await readFile(join(directory, 'page.js')) },
    };
    server = createServer((request, response) => {
      const file = files[request.url ?? ''];
      if (file === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': file.type }).end(file.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    context = await chromium.launchPersistentContext(join(directory, 'profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as { minichatGpuJs?: unknown }).minichatGpuJs !== undefined);
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => server?.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  test('auto mode picks webgl2', async () => {
    const modes = await page.evaluate(() =>
      (globalThis as unknown as { minichatGpuJs: PageApi }).minichatGpuJs.availableModes(),
    );
    expect(modes[0]).toBe('webgl2');
    expect(modes).toContain('webgl');
  });

  for (const mode of ['webgl2', 'webgl'] as const) {
    test(`${mode} ops match the CPU reference`, async () => {
      const cases = buildCases();
      const sampleCases = buildSampleCases();
      const encoded = [...cases.map((entry) => entry.opCase), ...sampleCases].map(encodeCase);
      const result = await page.evaluate(
        ([requested, payload]) =>
          (globalThis as unknown as { minichatGpuJs: PageApi }).minichatGpuJs.run(requested, payload),
        [mode, encoded] as const,
      );
      expect(result.mode).toBe(mode);
      expect(result.engines, 'engines of the compiled kernels').toEqual([mode]);

      const reference = createCpuBackend();
      for (const [index, { name, tolerance, opCase }] of cases.entries()) {
        const expected = (await runCase(reference, opCase)) as Float32Array;
        expectClose(
          Float32Array.from(result.outputs[index] as number[]),
          expected,
          tolerance,
          `${mode} ${name}`,
        );
      }
      for (const [index, opCase] of sampleCases.entries()) {
        expect(result.outputs[cases.length + index], `${mode} sample ${index}`).toBe(
          await runCase(reference, opCase),
        );
      }
      reference.dispose();
    });
  }
});
