import { copyFile, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeSafetensorsHeader,
  type LlamaShape,
  llamaConfigJson,
  llamaTensorShapes,
} from '@minichat/exl2-format';
import { convertLlama2c } from '@minichat/exl2-format/node';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { loadModelFromDirectory } from '@minichat/runtime/node';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, defaultClientConditions } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readDirectoryFiles } from './read-directory.js';
import { startTestServer, type TestServer } from './test-server.js';

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
const APP_DIRECTORY = join(import.meta.dirname, '..');
const SCREENSHOT = join(APP_DIRECTORY, 'test-results', 'e2e-chat.png');
const REPO = 'karpathy/stories260K-exl2';
/** The same files, served with a connection that breaks off during the first weights download. */
const CUT_REPO = 'karpathy/stories260K-exl2-cut';
const CUT_AT_BYTES = 100_000;
const PROMPT = 'Once upon a time';
const CHINESE_MESSAGE = '你好，给我讲个故事';
const REPLY_TOKENS = 40;
/** Long enough that the stop button lands mid-reply; stories260K has a 512-token context. */
const LONG_REPLY_TOKENS = 400;

/**
 * A model whose key/value cache for one layer (262,144 positions × 4096 features × 2 bytes = 2 GiB)
 * exceeds SwiftShader's 1 GiB buffer limit.
 */
const OVERSIZED_SHAPE: LlamaShape = {
  hiddenSize: 4096,
  intermediateSize: 4096,
  numHiddenLayers: 1,
  numAttentionHeads: 32,
  numKeyValueHeads: 32,
  vocabSize: 512,
  maxPositionEmbeddings: 262_144,
  tieWordEmbeddings: true,
};

/**
 * Writes the oversized model as config, tokenizer and an fp16 safetensors file whose tensor data is a
 * sparse hole, so the fit check can read the shapes without 200 MB on disk.
 */
async function writeOversizedModel(directory: string, tokenizerDirectory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'config.json'), JSON.stringify(llamaConfigJson(OVERSIZED_SHAPE)));
  await copyFile(join(tokenizerDirectory, 'tokenizer.model'), join(directory, 'tokenizer.model'));
  const tensors = llamaTensorShapes(OVERSIZED_SHAPE).map(({ name, shape }) => ({
    name,
    shape,
    dtype: 'F16' as const,
  }));
  const header = encodeSafetensorsHeader(tensors);
  const weights = join(directory, 'model.safetensors');
  await writeFile(weights, header.bytes);
  await truncate(weights, header.bytes.byteLength + header.dataLength);
}

/** Greedy completion of `prompt` by the CPU reference backend in Node. */
async function cpuReference(modelDirectory: string, prompt: string, maxTokens: number): Promise<string> {
  const model = await loadModelFromDirectory(modelDirectory, { backend: createCpuBackend() });
  let text = '';
  for await (const event of model.generate({ prompt, maxTokens, sampling: { temperature: 0 } })) {
    if (event.type === 'text') text += event.text;
  }
  model.dispose();
  return text;
}

/** Types `text` into the composer and sends it with the Enter key, as a keyboard-only user would. */
async function sendByKeyboard(page: Page, text: string): Promise<void> {
  await page.focus('#prompt');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Enter');
}

function lastReply(page: Page) {
  return page.locator('.message.assistant').last();
}

/**
 * Waits until the last reply leaves the streaming state and returns that state. An engine error is
 * checked first, so a failure shows the worker's message.
 */
async function waitForReply(page: Page, timeout: number): Promise<string | null> {
  await expect.poll(() => lastReply(page).getAttribute('data-state'), { timeout }).not.toBe('streaming');
  expect(await page.textContent('#error')).toBe('');
  return lastReply(page).getAttribute('data-state');
}

/** Launches Chromium on a fresh profile; `webgpu: false` leaves WebGPU without an adapter. */
async function launch(webgpu: boolean): Promise<{ context: BrowserContext; profile: string }> {
  const profile = await mkdtemp(join(tmpdir(), 'minichat-chromium-'));
  const args = webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((arg) => arg !== '--enable-unsafe-webgpu');
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args });
  return { context, profile };
}

/** Fills the hub form with the mock hub and loads the model; waits until the composer is enabled. */
async function loadFromHub(page: Page, origin: string, repo = REPO): Promise<void> {
  await page.fill('#hub-endpoint', origin);
  await page.fill('#hub-repo', repo);
  await page.click('#load');
  await expect.poll(() => page.isEnabled('#prompt'), { timeout: 120_000 }).toBe(true);
}

/** Switches to greedy raw completion of at most `maxTokens` tokens. */
async function chooseGreedyCompletion(page: Page, maxTokens: number): Promise<void> {
  await page.click('summary');
  await page.selectOption('#mode', 'completion');
  await page.fill('#temperature', '0');
  await page.fill('#top-k', '0');
  await page.fill('#top-p', '1');
  await page.fill('#max-tokens', String(maxTokens));
}

describe.skipIf(process.env.MINICHAT_SKIP_BROWSER === '1')('web app in headless Chromium', () => {
  let workDirectory: string;
  let modelDirectory: string;
  let server: TestServer;
  let expected: string;
  let expectedLong: string;

  beforeAll(async () => {
    workDirectory = await mkdtemp(join(tmpdir(), 'minichat-web-e2e-'));
    modelDirectory = join(workDirectory, 'model');
    const fixtures = join(process.env.MINICHAT_FIXTURES ?? '/work/shared/fixtures', 'llama2c');
    await convertLlama2c({
      checkpoint: join(fixtures, 'stories260K.bin'),
      tokenizer: join(fixtures, 'tok512.bin'),
      outDir: modelDirectory,
      format: 'exl2',
      bits: 8,
      headBits: 8,
      untieEmbeddings: true,
    });
    expected = await cpuReference(modelDirectory, PROMPT, REPLY_TOKENS);
    expectedLong = await cpuReference(modelDirectory, PROMPT, LONG_REPLY_TOKENS);

    const appDirectory = join(workDirectory, 'app');
    await build({
      root: APP_DIRECTORY,
      logLevel: 'silent',
      build: { outDir: appDirectory, emptyOutDir: true },
    });
    await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['minichat-source', ...defaultClientConditions] },
      build: {
        outDir: join(appDirectory, 'markdown-test'),
        emptyOutDir: true,
        minify: false,
        lib: {
          entry: join(import.meta.dirname, 'browser/markdown-cases.ts'),
          formats: ['es'],
          fileName: 'cases',
        },
      },
    });
    const files = await readDirectoryFiles(modelDirectory);
    server = await startTestServer(
      appDirectory,
      [
        { repo: REPO, revision: 'main', files },
        { repo: CUT_REPO, revision: 'main', files },
      ],
      { cutOnce: new Map([[`${CUT_REPO}/output.safetensors`, CUT_AT_BYTES]]) },
    );
  });

  afterAll(async () => {
    await server?.close();
    await rm(workDirectory, { recursive: true, force: true });
  });

  test('loads from the hub, streams, stops and continues', { timeout: 300_000 }, async () => {
    const { context, profile } = await launch(true);
    try {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server.origin}/`);

      // Device check: headless Chromium has WebGPU on SwiftShader, which lacks shader-f16.
      await expect.poll(() => page.textContent('#device-backend'), { timeout: 30_000 }).toBe('WebGPU');
      expect(await page.textContent('#device-facts')).toMatch(/shader-f16\s*no/);

      // Every control has an accessible name.
      const unlabeled = await page.$$eval('input, select, textarea, button', (controls) =>
        controls
          .filter((control) => {
            const labelled = (control as HTMLInputElement).labels?.length ?? 0;
            const text = control.tagName === 'BUTTON' ? (control.textContent ?? '').trim() : '';
            const radio = (control as HTMLInputElement).type === 'radio' && control.closest('label') !== null;
            return labelled === 0 && text === '' && !radio && !control.getAttribute('aria-label');
          })
          .map((control) => control.id || control.outerHTML),
      );
      expect(unlabeled).toEqual([]);

      // Load from the mock hub: listed through the API, downloaded with Range requests into the OPFS.
      await loadFromHub(page, server.origin);
      expect(await page.textContent('#fit')).toMatch(/layers, hidden size 64, exl2 .* Fits: needs about/);
      expect(server.ranges.length).toBeGreaterThan(0);
      expect(server.ranges.every(({ range }) => range.startsWith('bytes='))).toBe(true);
      expect(await page.textContent('#cache-usage')).toMatch(/Cache: [\d.]+ KiB in \d+ files/);

      // Greedy completion, compared with the CPU reference.
      await chooseGreedyCompletion(page, REPLY_TOKENS);
      await sendByKeyboard(page, PROMPT);
      expect(await waitForReply(page, 120_000)).toBe('done');
      expect(await lastReply(page).getAttribute('data-text')).toBe(expected);
      expect(Number(await lastReply(page).getAttribute('data-chunks'))).toBeGreaterThan(1);
      expect(await page.textContent('#speed')).toMatch(/tokens\/s$/);

      // Stop a long reply midway with the keyboard: Tab from the composer reaches the stop button.
      await page.fill('#max-tokens', String(LONG_REPLY_TOKENS));
      await sendByKeyboard(page, PROMPT);
      await expect
        .poll(async () => Number(await lastReply(page).getAttribute('data-chunks')), { timeout: 60_000 })
        .toBeGreaterThan(2);
      await page.focus('#send');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('stop');
      await page.keyboard.press('Enter');
      expect(await waitForReply(page, 30_000)).toBe('stopped');
      const stopped = (await lastReply(page).getAttribute('data-text')) ?? '';
      expect(stopped.length).toBeGreaterThan(0);
      expect(stopped.length).toBeLessThan(expectedLong.length);
      expect(expectedLong.startsWith(stopped)).toBe(true);
      expect(await lastReply(page).locator('.meta').textContent()).toMatch(/stopped$/);

      // The model stays usable after the stop: the next message gets the full reference reply again.
      await page.fill('#max-tokens', String(REPLY_TOKENS));
      await sendByKeyboard(page, PROMPT);
      expect(await waitForReply(page, 120_000)).toBe('done');
      expect(await lastReply(page).getAttribute('data-text')).toBe(expected);

      // Enter during IME composition confirms the candidate and must not send; a plain Enter then sends.
      const userMessages = page.locator('.message.user');
      const sentBefore = await userMessages.count();
      await page.selectOption('#mode', 'chat');
      await page.focus('#prompt');
      await page.keyboard.insertText(CHINESE_MESSAGE);
      await page.dispatchEvent('#prompt', 'keydown', { key: 'Enter', isComposing: true });
      expect(await userMessages.count()).toBe(sentBefore);
      expect(await page.inputValue('#prompt')).toBe(CHINESE_MESSAGE);
      await page.keyboard.press('Enter');
      expect(await userMessages.last().textContent()).toBe(CHINESE_MESSAGE);
      expect(await waitForReply(page, 120_000)).toBe('done');

      await mkdir(join(APP_DIRECTORY, 'test-results'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(pageErrors).toEqual([]);
      expect(await page.isHidden('#error')).toBe(true);

      // A second load reads the OPFS cache: only the one-byte size probes reach the hub.
      const requestsBefore = server.ranges.length;
      await page.reload();
      await loadFromHub(page, server.origin);
      const newRanges = server.ranges.slice(requestsBefore);
      expect(newRanges.length).toBeGreaterThan(0);
      expect(newRanges.every(({ range }) => range === 'bytes=0-0')).toBe(true);

      await page.click('#clear-cache');
      await expect.poll(() => page.textContent('#cache-usage')).toMatch(/^Cache: 0 B in 0 files/);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test('falls back to gpu.js without WebGPU', { timeout: 300_000 }, async () => {
    const { context, profile } = await launch(false);
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/`);
      await expect
        .poll(() => page.textContent('#device-backend'), { timeout: 30_000 })
        .toBe('gpu.js on WebGL');
      expect(await page.textContent('#device-facts')).toMatch(/Why not WebGPU.*no adapter/);

      await loadFromHub(page, server.origin);
      expect(await page.textContent('#load-status')).toMatch(/^Loaded on gpu\.js .* in webgl2 mode/);
      await chooseGreedyCompletion(page, REPLY_TOKENS);
      await sendByKeyboard(page, PROMPT);
      expect(await waitForReply(page, 240_000)).toBe('done');
      expect(await lastReply(page).getAttribute('data-text')).toBe(expected);

      await mkdir(join(APP_DIRECTORY, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(APP_DIRECTORY, 'test-results', 'e2e-gpujs.png'), fullPage: true });
    } catch (error) {
      const page = context.pages()[0];
      if (page !== undefined) {
        process.stderr.write(
          `DEBUG ${await page.textContent('#device-facts')} | ${await page.textContent('#load-status')} | ${await page.textContent('#error')}\n`,
        );
      }
      throw error;
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test('resumes a broken download', { timeout: 300_000 }, async () => {
    const { context, profile } = await launch(true);
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/`);
      await page.fill('#hub-endpoint', server.origin);
      await page.fill('#hub-repo', CUT_REPO);
      await page.click('#load');
      await expect.poll(() => page.textContent('#error'), { timeout: 60_000 }).toMatch(/broke off after/);
      expect(await page.textContent('#load-status')).toMatch(/^Load failed/);
      const cachedBytes = Number(
        /broke off after (\d+) bytes/.exec((await page.textContent('#error')) ?? '')?.[1],
      );
      expect(cachedBytes).toBeGreaterThan(0);
      expect(cachedBytes).toBeLessThanOrEqual(CUT_AT_BYTES);

      // The second load requests only the bytes after those already in the OPFS.
      await loadFromHub(page, server.origin, CUT_REPO);
      const weights = server.ranges.filter(({ file }) => file === `${CUT_REPO}/output.safetensors`);
      const dataRanges = weights.map(({ range }) => range).filter((range) => range !== 'bytes=0-0');
      expect(dataRanges).toHaveLength(2);
      expect(dataRanges[0]).toMatch(/^bytes=0-/);
      expect(dataRanges[1]).toMatch(new RegExp(`^bytes=${cachedBytes}-`));

      // The resumed file is intact: the greedy reply still equals the CPU reference.
      await chooseGreedyCompletion(page, REPLY_TOKENS);
      await sendByKeyboard(page, PROMPT);
      expect(await waitForReply(page, 120_000)).toBe('done');
      expect(await lastReply(page).getAttribute('data-text')).toBe(expected);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test('sanitizes rendered Markdown', { timeout: 120_000 }, async () => {
    const { context, profile } = await launch(false);
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/`);
      await page.addScriptTag({ url: '/markdown-test/cases.js', type: 'module' });
      await page.waitForFunction(
        () => (globalThis as { markdownResults?: unknown }).markdownResults !== undefined,
      );
      const results = (await page.evaluate(
        () => (globalThis as { markdownResults?: unknown }).markdownResults,
      )) as Record<string, string>;

      expect(results.script).not.toMatch(/<script/i);
      expect(results.script).toContain('before');
      expect(results.eventHandler).not.toMatch(/onerror/i);
      expect(results.javascriptLink).not.toMatch(/javascript:/i);
      expect(results.form).not.toMatch(/<(form|input|button)/i);
      expect(results.link).toContain('href="https://example.invalid/page"');
      expect(results.link).toContain('rel="noopener noreferrer"');
      expect(results.chinese).toBe('<p>你好，<strong>世界</strong>！这是<code>代码</code>。</p>\n');
      expect(results.codeBlock).toContain('<code class="language-js">const ok = 1 &lt; 2;');
      // Give an injected handler the chance to run before checking that none did.
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => (globalThis as { injected?: unknown }).injected)).toBeUndefined();
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test('loads a local folder', { timeout: 300_000 }, async () => {
    const { context, profile } = await launch(true);
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/`);
      await page.check('input[name="source-kind"][value="local"]');
      await page.setInputFiles('#pick-files', modelDirectory);
      await expect.poll(() => page.textContent('#picked')).toMatch(/^\d+ files selected$/);
      const requestsBefore = server.ranges.length;
      await page.click('#load');
      await expect.poll(() => page.isEnabled('#prompt'), { timeout: 120_000 }).toBe(true);
      expect(server.ranges.length).toBe(requestsBefore);

      await chooseGreedyCompletion(page, REPLY_TOKENS);
      await sendByKeyboard(page, PROMPT);
      expect(await waitForReply(page, 120_000)).toBe('done');
      expect(await lastReply(page).getAttribute('data-text')).toBe(expected);

      // New chat clears the conversation.
      await page.click('#new-chat');
      expect(await page.locator('.message').count()).toBe(0);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test('explains a model that does not fit', { timeout: 120_000 }, async () => {
    const oversized = join(workDirectory, 'oversized');
    await writeOversizedModel(oversized, modelDirectory);
    const { context, profile } = await launch(true);
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/`);
      await page.check('input[name="source-kind"][value="local"]');
      await page.setInputFiles('#pick-files', oversized);
      await page.click('#load');
      await expect.poll(() => page.textContent('#fit'), { timeout: 60_000 }).toMatch(/Does not fit/);
      const fit = (await page.textContent('#fit')) ?? '';
      expect(fit).toMatch(/one layer of the key\/value cache needs 2(\.0+)? GiB/);
      expect(fit).toMatch(/shorter context/);
      expect(await page.textContent('#load-status')).toMatch(/does not fit this device/);
      expect(await page.isEnabled('#prompt')).toBe(false);
      expect(await page.isEnabled('#load')).toBe(true);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
