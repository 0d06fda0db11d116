import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { locateModel } from './locate.js';

const ENDPOINT = 'https://huggingface.co';
let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'minichat-locate-'));
  await mkdir(join(cwd, 'owner', 'local-model'), { recursive: true });
  await writeFile(join(cwd, 'weights.safetensors'), '');
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

test('local directory wins over repo id', async () => {
  expect(await locateModel('owner/local-model', cwd, ENDPOINT)).toEqual({
    kind: 'directory',
    path: join(cwd, 'owner', 'local-model'),
  });
});

test('repo id with branch', async () => {
  expect(await locateModel('cgus/MiniChat-2-3B-exl2@5bpw-h8', cwd, ENDPOINT)).toEqual({
    kind: 'hub',
    ref: { repo: 'cgus/MiniChat-2-3B-exl2', revision: '5bpw-h8' },
  });
});

test('hub page URLs become repo refs', async () => {
  expect(await locateModel('https://huggingface.co/cgus/MiniChat-2-3B-exl2', cwd, ENDPOINT)).toEqual({
    kind: 'hub',
    ref: { repo: 'cgus/MiniChat-2-3B-exl2', revision: 'main' },
  });
  expect(
    await locateModel('https://huggingface.co/cgus/MiniChat-2-3B-exl2/tree/8bpw-h8', cwd, ENDPOINT),
  ).toEqual({
    kind: 'hub',
    ref: { repo: 'cgus/MiniChat-2-3B-exl2', revision: '8bpw-h8' },
  });
});

test('other URLs stay URLs', async () => {
  expect(await locateModel('http://127.0.0.1:8000/models/stories', cwd, ENDPOINT)).toEqual({
    kind: 'url',
    url: 'http://127.0.0.1:8000/models/stories/',
  });
});

test('a file is rejected', async () => {
  await expect(locateModel('weights.safetensors', cwd, ENDPOINT)).rejects.toThrow(
    "Model 'weights.safetensors' is a file. Pass the directory that contains config.json and the weights.",
  );
});

test('a missing path is not found', async () => {
  await expect(locateModel('./no/such/dir', cwd, ENDPOINT)).rejects.toThrow(
    `Model './no/such/dir' not found: there is no directory ${join(cwd, 'no/such/dir')}, and it is not a hub repo id`,
  );
});
