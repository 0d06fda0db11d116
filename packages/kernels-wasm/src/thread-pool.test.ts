import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const entry = fileURLToPath(new URL('./node.ts', import.meta.url));

/** Runs `body` in a fresh Node process (through tsx) and returns its exit status within 30 s. */
function runScript(body: string): { status: number | null; output: string } {
  const directory = mkdtempSync(join(tmpdir(), 'kernels-wasm-'));
  try {
    const script = join(directory, 'script.mts');
    writeFileSync(script, `import { createWasmBackend } from ${JSON.stringify(entry)};\n${body}\n`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=minichat-source', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('worker threads', () => {
  test('process exits after dispose', () => {
    const result = runScript(`
      const backend = await createWasmBackend({ threads: 2 });
      const x = backend.createActivation(1, 8);
      backend.add(x, x, x, 1);
      backend.dispose();
      console.log('threads', backend.threads);
    `);
    expect(result.output).toContain('threads 2');
    expect(result.status).toBe(0);
  });

  test('idle workers do not keep the process alive', () => {
    const result = runScript(`
      const backend = await createWasmBackend({ threads: 2 });
      console.log('threads', backend.threads);
    `);
    expect(result.output).toContain('threads 2');
    expect(result.status).toBe(0);
  });
});
