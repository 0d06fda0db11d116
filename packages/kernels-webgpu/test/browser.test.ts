import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// Chromium's own flags for a machine without a GPU and without network: WebGPU runs on SwiftShader.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const CHROMIUM = '/usr/bin/chromium';

interface PageResult {
  results?: { op: string; relativeError: number }[];
  error?: string;
}

describe.skipIf(process.env.MINICHAT_SKIP_BROWSER === '1')('kernels in headless Chromium', () => {
  let directory: string;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'minichat-webgpu-page-'));
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
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  test('every kernel matches the CPU reference', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'minichat-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(
        () => (globalThis as { minichatResult?: unknown }).minichatResult !== undefined,
        null,
        {
          timeout: 240_000,
        },
      );
      const result = (await page.evaluate(
        () => (globalThis as { minichatResult?: unknown }).minichatResult,
      )) as PageResult;
      expect(result.error).toBeUndefined();
      const ops = result.results?.map((entry) => entry.op) ?? [];
      expect(ops).toContain('exl2 5-bit matmul');
      expect(ops).toContain('top-k top-p sample');
      for (const entry of result.results ?? []) {
        expect(entry.relativeError, entry.op).toBeLessThan(1e-4);
      }
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
