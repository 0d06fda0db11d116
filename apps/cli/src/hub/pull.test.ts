import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  type MockHub,
  type MockHubFaults,
  type MockRepo,
  readDirectoryFiles,
  startMockHub,
} from '../test-utils/mock-hub.js';
import { runCliProcess, spawnCli } from '../test-utils/run-cli.js';
import { convertStories260k } from '../test-utils/stories260k.js';
import { PULL_MANIFEST_NAME } from './cache.js';
import { PARTIAL_SUFFIX } from './download-file.js';

const REPO = 'test-owner/stories260K-exl2';
const BRANCH = '8bpw';
const WEIGHTS = 'output.safetensors';

let files: Map<string, Uint8Array>;
let hub: MockHub | undefined;
const temporary: string[] = [];

beforeAll(async () => {
  files = await readDirectoryFiles(await convertStories260k('exl2', 8));
});

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await Promise.all(temporary.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

async function startHub(faults: MockHubFaults = {}): Promise<MockHub> {
  const repo: MockRepo = {
    repo: REPO,
    revision: BRANCH,
    commit: 'c0ffee0000000000000000000000000000000001',
    files,
  };
  hub = await startMockHub([repo], faults);
  return hub;
}

async function cacheDir(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'minichat-pull-'));
  temporary.push(path);
  return path;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function pull(endpoint: string, cache: string, ref = `${REPO}@${BRANCH}`) {
  return runCliProcess(['pull', ref, '--cache-dir', cache], { env: { HF_ENDPOINT: endpoint } });
}

describe('minichat pull', () => {
  test('downloads every file and verifies it', async () => {
    const { endpoint, requests } = await startHub();
    const cache = await cacheDir();

    const run = await pull(endpoint, cache);

    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const directory = run.stdout.trim();
    expect(directory).toBe(join(cache, 'models', 'test-owner', 'stories260K-exl2', BRANCH));
    for (const [name, content] of files) {
      expect(sha256(await readFile(join(directory, name))), name).toBe(sha256(content));
    }
    expect(await stat(join(directory, PULL_MANIFEST_NAME))).toBeTruthy();
    expect(requests[0]?.url).toBe(`/api/models/${REPO}/revision/${BRANCH}?blobs=true`);
  });

  test('second pull downloads nothing', async () => {
    const { endpoint, requests } = await startHub();
    const cache = await cacheDir();
    expect((await pull(endpoint, cache)).code).toBe(0);
    const firstCount = requests.length;

    const again = await pull(endpoint, cache);

    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already downloaded and verified/);
    expect(requests.slice(firstCount).map((request) => request.url)).toEqual([
      `/api/models/${REPO}/revision/${BRANCH}?blobs=true`,
    ]);
  });

  test('resumes a broken download with Range', async () => {
    const cutAt = 300_000;
    const weights = files.get(WEIGHTS)!;
    expect(weights.byteLength).toBeGreaterThan(cutAt);
    const { endpoint, requests } = await startHub({ truncateOnce: new Map([[WEIGHTS, cutAt]]) });
    const cache = await cacheDir();

    const broken = await pull(endpoint, cache);

    expect(broken.code).toBe(4);
    // The server breaks the connection after cutAt bytes; the client may have received fewer.
    const match = new RegExp(`Download of ${WEIGHTS} was interrupted after (\\d+) bytes`).exec(broken.stderr);
    expect(match, broken.stderr).not.toBeNull();
    const keptBytes = Number(match?.[1]);
    expect(keptBytes).toBeGreaterThan(0);
    expect(keptBytes).toBeLessThanOrEqual(cutAt);
    const directory = join(cache, 'models', 'test-owner', 'stories260K-exl2', BRANCH);
    expect((await stat(join(directory, WEIGHTS + PARTIAL_SUFFIX))).size).toBe(keptBytes);

    const resumed = await pull(endpoint, cache);

    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resumed ${WEIGHTS} from byte ${keptBytes}`));
    const weightRequests = requests.filter((request) => request.url.endsWith(`/${WEIGHTS}`));
    expect(weightRequests.map((request) => request.range)).toEqual([undefined, `bytes=${keptBytes}-`]);
    expect(sha256(await readFile(join(directory, WEIGHTS)))).toBe(sha256(weights));
  });

  test('resumes after the process is killed', async () => {
    const { endpoint, requests } = await startHub({ chunkDelayMs: 150 });
    const cache = await cacheDir();
    const directory = join(cache, 'models', 'test-owner', 'stories260K-exl2', BRANCH);
    const partial = join(directory, WEIGHTS + PARTIAL_SUFFIX);

    const child = spawnCli(['pull', `${REPO}@${BRANCH}`, '--cache-dir', cache], {
      env: { HF_ENDPOINT: endpoint },
    });
    const exited = new Promise((done) => child.on('exit', done));
    let partialSize = 0;
    while (partialSize < 128 * 1024) {
      await new Promise((done) => setTimeout(done, 50));
      partialSize = await stat(partial).then(
        (info) => info.size,
        () => 0,
      );
    }
    child.kill('SIGKILL');
    await exited;
    const keptBytes = (await stat(partial)).size;

    const resumed = await pull(endpoint, cache);

    expect(resumed.code).toBe(0);
    const lastWeightRequest = requests.filter((request) => request.url.endsWith(`/${WEIGHTS}`)).at(-1);
    expect(lastWeightRequest?.range).toBe(`bytes=${keptBytes}-`);
    expect(sha256(await readFile(join(directory, WEIGHTS)))).toBe(sha256(files.get(WEIGHTS)!));
  });

  test('rejects a wrong Git blob id', async () => {
    const { endpoint } = await startHub({ wrongChecksum: new Set([WEIGHTS, 'config.json']) });
    const cache = await cacheDir();

    const run = await pull(endpoint, cache);

    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      /Downloaded config\.json has the wrong Git blob id: expected [0-9a-f]{40}, got [0-9a-f]{40}/,
    );
    const directory = join(cache, 'models', 'test-owner', 'stories260K-exl2', BRANCH);
    await expect(stat(join(directory, `config.json${PARTIAL_SUFFIX}`))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(directory, 'config.json'))).rejects.toThrow(/ENOENT/);
  });

  test('rejects a wrong SHA-256 of an LFS file', async () => {
    const { endpoint } = await startHub({ wrongChecksum: new Set([WEIGHTS]) });
    const cache = await cacheDir();

    const run = await pull(endpoint, cache);

    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      new RegExp(
        `Downloaded ${WEIGHTS} has the wrong SHA-256: expected [0-9a-f]{64}, got ${sha256(files.get(WEIGHTS)!)}`,
      ),
    );
  });

  test('reports a missing repo with URL and status', async () => {
    const { endpoint } = await startHub();
    const cache = await cacheDir();

    const run = await pull(endpoint, cache, 'test-owner/no-such-model');

    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `Model test-owner/no-such-model not found on the hub: GET ${endpoint}/api/models/test-owner/no-such-model/revision/main?blobs=true returned HTTP 404 (RepoNotFound)`,
    );
  });

  test('reports a missing file with URL and status', async () => {
    const { endpoint } = await startHub({ missingFiles: new Set([WEIGHTS]) });
    const cache = await cacheDir();

    const run = await pull(endpoint, cache);

    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      `Download of ${WEIGHTS} failed: GET ${endpoint}/${REPO}/resolve/${BRANCH}/${WEIGHTS} returned HTTP 404.`,
    );
  });

  test('reports an unreachable hub', async () => {
    const run = await pull('http://127.0.0.1:2', await cacheDir());

    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /Could not reach the hub at http:\/\/127\.0\.0\.1:2\/api\/models\/.*ECONNREFUSED/,
    );
  });

  test('rejects an invalid repo id', async () => {
    const run = await pull('http://127.0.0.1:2', await cacheDir(), 'not a repo');

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /Invalid repository 'not a repo'\. Expected owner\/name or owner\/name@branch/,
    );
  });

  test('sends HF_TOKEN as a bearer token', async () => {
    const { endpoint, requests } = await startHub();
    const cache = await cacheDir();

    const run = await runCliProcess(['pull', `${REPO}@${BRANCH}`, '--cache-dir', cache], {
      env: { HF_ENDPOINT: endpoint, HF_TOKEN: 'hf_test_token' },
    });

    expect(run.code).toBe(0);
    expect(requests.every((request) => request.authorization === 'Bearer hf_test_token')).toBe(true);
  });
});
