import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from './bench-results.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `run.ts` the way `pnpm bench` does and returns its exit code and stdout. */
function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=minichat-source', join(benchDir, 'run.ts'), ...args],
      { cwd: benchDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The quick preset is what CI runs to check that the bench still works end to end. It asserts which
// runners succeeded and what the files contain, never how fast anything was.
describe('pnpm bench --quick', () => {
  let outDir: string;
  let run: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'minichat-bench-quick-'));
    run = await runBench(['--quick', '--out', outDir]);
  }, 600_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('prints the JSON path last', () => {
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const path = lines[lines.length - 1]!;
    expect(path.startsWith(outDir)).toBe(true);
    expect(path.endsWith('.json')).toBe(true);
    expect(existsSync(path.replace(/\.json$/, '.md'))).toBe(true);
    expect(existsSync(path.replace(/\.json$/, '.svg'))).toBe(true);
  });

  it('records every runner and suite', async () => {
    const lines = run.stdout.trimEnd().split('\n');
    const results = JSON.parse(await readFile(lines[lines.length - 1]!, 'utf8')) as BenchResults;
    expect(results.suiteErrors).toEqual([]);
    for (const runner of ['cpu', 'wasm', 'llama.cpp'] as const) {
      expect(results.runners[runner]?.status, results.runners[runner]?.errors.join('; ')).toBe('ok');
      expect(results.runners[runner]?.decodeTokensPerSecond?.count).toBe(results.options.runs);
    }
    // Not measured by default without a GPU, but listed with the reason.
    expect(results.runners.webgpu?.status).toBe('skipped');
    expect(results.runners.webgpu?.skipReason).toMatch(/SwiftShader/);
    // gpu.js is listed whether its package exists yet or not.
    expect(results.runners.gpujs).toBeDefined();
    expect(results.bandwidth?.bytesPerSecond.count).toBe(results.options.runs);
    expect(results.goals).toHaveLength(3);
    expect(results.tokenizer?.mismatchedParagraphs).toBe(0);
    expect(results.exl2Decode?.layers).toHaveLength(7);
    // Both backends compute the same model with the same greedy sampler, so they agree on the tokens.
    expect(results.runners.wasm?.firstTokens?.length).toBe(results.options.decodeTokens + 1);
  });
});
