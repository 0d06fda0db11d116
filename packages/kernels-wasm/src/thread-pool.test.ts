import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { WasmKernelError } from './errors.js';
import { WasmHeap } from './heap.js';
import { JOB_BYTES } from './kernel-ops.js';
import { nodePlatform } from './platform-node.js';
import { ThreadPool } from './thread-pool.js';

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

describe('ThreadPool', () => {
  test('trapping job raises WasmKernelError', async () => {
    const module = await nodePlatform.loadModule(true, false);
    const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as {
      run_job: (job: number, index: number, count: number) => void;
      __heap_base: WebAssembly.Global;
    };
    const heap = new WasmHeap(memory, exports.__heap_base.value as number);
    const pool = await ThreadPool.start(nodePlatform, module, heap, exports.run_job, 2);
    try {
      // Op code 99 does not exist, so run_job traps on both threads.
      const job = heap.allocate(JOB_BYTES, 'job');
      heap.ints().set([99, 2], job / 4);
      expect(() => pool.run('test', job, true)).toThrow(WasmKernelError);
      expect(() => pool.run('test', job, false)).toThrow(/The WebAssembly kernel of test\(\) failed/);
    } finally {
      pool.stop();
    }
  });
});
