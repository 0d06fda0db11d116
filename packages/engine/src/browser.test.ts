import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertLlama2c } from '@minichat/exl2-format/node';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserPageResult } from './test-utils/browser-page.js';
import { type GreedyExpectation, readGreedyExpectation } from './test-utils/expected.js';
import { FIXTURES } from './test-utils/stories260k.js';

const CHROMIUM = '/usr/bin/chromium';
// Flags for a machine without network access: no background downloads, updates or sync.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

describe.skipIf(process.env.MINICHAT_SKIP_BROWSER === '1')('engine in headless Chromium', () => {
  let directory: string;
  let server: Server;
  let origin: string;
  let expected: GreedyExpectation;

  beforeAll(async () => {
    expected = await readGreedyExpectation();
    directory = await mkdtemp(join(tmpdir(), 'minichat-engine-page-'));
    const modelDirectory = join(directory, 'model');
    await convertLlama2c({
      checkpoint: join(FIXTURES, 'llama2c', 'stories260K.bin'),
      tokenizer: join(FIXTURES, 'llama2c', 'tok512.bin'),
      outDir: modelDirectory,
    });
    await build({
      entryPoints: [join(import.meta.dirname, 'test-utils/browser-page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      conditions: ['minichat-source'],
      outfile: join(directory, 'page.js'),
      logLevel: 'silent',
    });

    const modelFiles = await readdir(modelDirectory);
    const files = new Map<string, { type: string; body: Buffer | string }>([
      ['/', { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' }],
      ['/page.js', { type: 'text/javascript', body: await readFile(join(directory, 'page.js')) }],
      ['/files.json', { type: 'application/json', body: JSON.stringify(modelFiles) }],
    ]);
    for (const name of modelFiles) {
      files.set(`/model/${name}`, {
        type: 'application/octet-stream',
        body: await readFile(join(modelDirectory, name)),
      });
    }
    server = createServer((request, response) => {
      const file = files.get(request.url ?? '');
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

  test('greedy completion matches llama2.c', { timeout: 120_000 }, async () => {
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
          timeout: 90_000,
        },
      );
      const result = (await page.evaluate(
        () => (globalThis as { minichatResult?: unknown }).minichatResult,
      )) as BrowserPageResult;

      expect(result.error).toBeUndefined();
      expect(result.completion).toBe(expected.text);
      expect(result.completionUsage).toEqual({ prompt_tokens: 1, completion_tokens: 200, total_tokens: 201 });
      expect(result.chat?.length).toBeGreaterThan(0);
      expect(result.streamedChat).toBe(result.chat);
      expect(result.streamedTokens).toBe(result.chatTokens);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
