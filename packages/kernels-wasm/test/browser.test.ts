import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const hasChromium = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version']).status === 0;

interface PageResult {
  threads?: number;
  relaxedSimd?: boolean;
  crossOriginIsolated?: boolean;
  dense?: number[];
  exl2First?: number;
  exl2Last?: number;
  error?: string;
}

// NOTE: skipped where Debian's chromium is not installed; CI installs it.
describe.skipIf(!hasChromium || process.env.MINICHAT_SKIP_BROWSER === '1')('browser entry point', () => {
  let bundleDir: string;
  let server: Server | undefined;
  let origin: string;

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'kernels-wasm-page-'));
    await build({
      entryPoints: [join(packageDir, 'test/browser/page.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      outfile: join(bundleDir, 'page.js'),
      logLevel: 'silent',
    });
    // The page imports the kernels from ../dist/ relative to its script, so the script is served from
    // /assets/ and the package's dist/ from /dist/.
    const files: Record<string, { path: string; type: string }> = {
      '/assets/page.js': { path: join(bundleDir, 'page.js'), type: 'text/javascript' },
    };
    for (const name of [
      'minichat-kernels-shared.wasm',
      'minichat-kernels.wasm',
      'minichat-kernels-shared-relaxed.wasm',
      'minichat-kernels-relaxed.wasm',
    ]) {
      files[`/dist/${name}`] = { path: join(packageDir, 'dist', name), type: 'application/wasm' };
    }
    const listening = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      // Cross-origin isolation, and so SharedArrayBuffer, only where the page URL requests it.
      const isolated =
        url.searchParams.get('isolated') === '1' || request.headers.referer?.includes('isolated=1');
      const headers: Record<string, string> = isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {};
      if (url.pathname === '/') {
        response.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
        response.end('<!doctype html><script type="module" src="/assets/page.js"></script>');
        return;
      }
      const file = files[url.pathname];
      if (file === undefined) {
        response.writeHead(404).end();
        return;
      }
      readFile(file.path).then(
        (body) => response.writeHead(200, { ...headers, 'Content-Type': file.type }).end(body),
        () => response.writeHead(500).end(),
      );
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    // server is unset when the bundle failed; close() would then never call back.
    const running = server;
    if (running !== undefined) await new Promise<void>((resolve) => running.close(() => resolve()));
    if (bundleDir !== undefined) await rm(bundleDir, { recursive: true, force: true });
  });

  async function runPage(isolated: boolean): Promise<PageResult> {
    const profile = await mkdtemp(join(tmpdir(), 'kernels-wasm-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${origin}/?isolated=${isolated ? 1 : 0}`);
      await page.waitForFunction(
        () => (globalThis as { kernelsWasmResult?: unknown }).kernelsWasmResult !== undefined,
        {
          timeout: 30_000,
        },
      );
      return (await page.evaluate(
        () => (globalThis as { kernelsWasmResult?: unknown }).kernelsWasmResult,
      )) as PageResult;
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  }

  test.each([
    { isolated: true, threads: 2 },
    { isolated: false, threads: 1 },
  ])('runs kernels, cross-origin isolated $isolated', async ({ isolated, threads }) => {
    const result = await runPage(isolated);
    expect(result.error).toBeUndefined();
    expect(result.crossOriginIsolated).toBe(isolated);
    expect(result.threads).toBe(threads);
    // x = [1, -1]: [1 - 2, 3 - 4, 5 - 6].
    expect(result.dense).toEqual([-1, -1, -1]);
    // Chromium has had relaxed SIMD on since version 114.
    expect(result.relaxedSimd).toBe(true);
    // 32 inputs of 1 and the odd i - 64 for i < 64 (sum -1024), over 127.
    expect(result.exl2First).toBeCloseTo((32 * 127 - 1024) / 127, 4);
    expect(result.exl2Last).toBeCloseTo((32 * 127 - 1024) / 127, 4);
  });
});
