import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

/** One repository revision the mock hub serves. */
export interface MockRepo {
  /** `owner/name`. */
  repo: string;
  /** Branch name. */
  revision: string;
  /** Commit hash reported in the listing. */
  commit: string;
  /** File contents by repository path. */
  files: Map<string, Uint8Array>;
}

/** Faults the mock hub injects, to test the client's error handling. */
export interface MockHubFaults {
  /** Paths whose first download breaks the connection after this many bytes. */
  truncateOnce?: Map<string, number>;
  /** Paths whose listed SHA-256 (or blob id) is wrong. */
  wrongChecksum?: Set<string>;
  /** Paths that are listed but return 404 on download. */
  missingFiles?: Set<string>;
  /** Delay in milliseconds between 64 KiB chunks of file bodies. Default: 0. */
  chunkDelayMs?: number;
}

/** A request the mock hub received. */
export interface MockHubRequest {
  /** Request path with query. */
  url: string;
  /** `Range` header, when sent. */
  range: string | undefined;
  /** `Authorization` header, when sent. */
  authorization: string | undefined;
}

/** A running mock hub. */
export interface MockHub {
  /** Base URL, for `HF_ENDPOINT`. */
  endpoint: string;
  /** Every request, in order. */
  requests: MockHubRequest[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** Files stored with Git LFS on the real hub (by the `.gitattributes` HF creates for new repos). */
function isLfsPath(path: string): boolean {
  return /\.(safetensors|model|bin)$/.test(path);
}

/** Git blob id of `content`: SHA-1 of `blob <size>\0` followed by the bytes. */
export function gitBlobId(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

/** Builds the `siblings` entry the hub returns with `blobs=true` for one file. */
function sibling(path: string, content: Uint8Array, corrupt: boolean): Record<string, unknown> {
  const flip = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
  if (!isLfsPath(path)) {
    const blobId = gitBlobId(content);
    return { rfilename: path, size: content.byteLength, blobId: corrupt ? flip(blobId) : blobId };
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.byteLength}\n`;
  return {
    rfilename: path,
    size: content.byteLength,
    blobId: gitBlobId(new TextEncoder().encode(pointer)),
    lfs: { size: content.byteLength, sha256: corrupt ? flip(sha256) : sha256, pointerSize: pointer.length },
  };
}

/** Reads every file under `directory` into a map keyed by relative path with `/` separators. */
export async function readDirectoryFiles(directory: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(directory, path).split('\\').join('/'), await readFile(path));
  }
  return files;
}

/** Parses `bytes=a-` or `bytes=a-b` against a file of `size` bytes. */
function parseRange(header: string, size: number): { start: number; end: number } | 'invalid' {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return 'invalid';
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? 'invalid' : { start, end };
}

/** Sends a hub-style error: JSON body plus `X-Error-Code`. */
function sendError(response: ServerResponse, status: number, code: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code });
  response.end(JSON.stringify({ error: code }));
}

/** Writes `body` in 64 KiB chunks, optionally slowly, and optionally breaks the connection after `cutAt` bytes. */
async function sendBody(
  response: ServerResponse,
  body: Uint8Array,
  delayMs: number,
  cutAt: number | undefined,
): Promise<void> {
  const chunkSize = 64 * 1024;
  for (let offset = 0; offset < body.byteLength; offset += chunkSize) {
    let chunk = body.subarray(offset, offset + chunkSize);
    if (cutAt !== undefined && offset + chunk.byteLength >= cutAt) {
      chunk = chunk.subarray(0, cutAt - offset);
      await new Promise<void>((done) => response.write(chunk, () => done()));
      response.socket?.destroy();
      return;
    }
    if (!response.write(chunk)) await new Promise((done) => response.once('drain', done));
    if (delayMs > 0) await new Promise((done) => setTimeout(done, delayMs));
    if (response.destroyed) return;
  }
  response.end();
}

/**
 * Starts an HTTP server on 127.0.0.1 that responds like the Hugging Face hub for `repos`:
 * `GET /api/models/{repo}/revision/{revision}` with a `siblings` listing (sizes, `blobId`, and
 * `lfs.sha256` for LFS files) and `GET /{repo}/resolve/{revision}/{path}` with `Range` support.
 */
export async function startMockHub(repos: readonly MockRepo[], faults: MockHubFaults = {}): Promise<MockHub> {
  const requests: MockHubRequest[] = [];
  const truncations = new Map(faults.truncateOnce ?? []);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push({
      url: url.pathname + url.search,
      range: request.headers.range,
      authorization: request.headers.authorization,
    });
    const path = decodeURIComponent(url.pathname);

    const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (listing) {
      const repo = repos.find((entry) => entry.repo === listing[1]);
      if (repo === undefined) return sendError(response, 404, 'RepoNotFound');
      if (repo.revision !== listing[2]) return sendError(response, 404, 'RevisionNotFound');
      const siblings = [...repo.files].map(([name, content]) =>
        sibling(name, content, faults.wrongChecksum?.has(name) ?? false),
      );
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ _id: 'mock', id: repo.repo, sha: repo.commit, siblings }));
      return;
    }

    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repo = resolve ? repos.find((entry) => entry.repo === resolve[1]) : undefined;
    if (!resolve || repo === undefined) return sendError(response, 404, 'RepoNotFound');
    if (repo.revision !== resolve[2]) return sendError(response, 404, 'RevisionNotFound');
    const name = resolve[3] ?? '';
    const content = repo.files.get(name);
    if (content === undefined || faults.missingFiles?.has(name))
      return sendError(response, 404, 'EntryNotFound');

    const cut = truncations.get(name);
    truncations.delete(name);
    const rangeHeader = request.headers.range;
    if (rangeHeader === undefined) {
      response.writeHead(200, { 'content-length': content.byteLength, 'accept-ranges': 'bytes' });
      return sendBody(response, content, faults.chunkDelayMs ?? 0, cut);
    }
    const range = parseRange(rangeHeader, content.byteLength);
    if (range === 'invalid') {
      response.writeHead(416, { 'content-range': `bytes */${content.byteLength}` });
      response.end();
      return;
    }
    response.writeHead(206, {
      'content-length': range.end - range.start + 1,
      'content-range': `bytes ${range.start}-${range.end}/${content.byteLength}`,
      'accept-ranges': 'bytes',
    });
    return sendBody(response, content.subarray(range.start, range.end + 1), faults.chunkDelayMs ?? 0, cut);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
