import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { gitBlobId } from './mock-hub.js';

test('gitBlobId matches git hash-object', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'minichat-blob-'));
  try {
    const content = new TextEncoder().encode('{"model_type": "llama"}\n你好\n');
    const path = join(directory, 'config.json');
    await writeFile(path, content);

    const expected = execFileSync('git', ['hash-object', path], { encoding: 'utf8' }).trim();

    expect(gitBlobId(content)).toBe(expected);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
