import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative } from 'node:path';

/** A model repository the server publishes in the Hugging Face hub's URL shapes. */
export interface HubRepo {
  /** `owner/name`. */
  repo: string;
  /** Branch name. */
  revision: string;
  /** File contents by plain file name. */
  files: Map<string, Uint8Array>;
}

/** Faults the server injects, to test how the app recovers. */
export interface TestServerFaults {
  /** Files (`owner/name/file`) whose first data request breaks the connection after this many body bytes. */
  cutOnce?: Map<string, number>;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`, which serves both the app and the hub. */
  origin: string;
  /** Every request for a model file (`owner/name/file`), in order, with its `Range` header or `none`. */
  ranges: { file: string; range: string }[];
  /** Stops the server. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** Reads every file under `directory` into a map keyed by URL path (`/assets/x.js`). */
async function readStaticFiles(directory: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(`/${relative(directory, path).split('\\').join('/')}`, await readFile(path));
  }
  return files;
}

function sendFile(response: ServerResponse, content: Uint8Array, rangeHeader: string | undefined): void {
  if (rangeHeader === undefined) {
    response.writeHead(200, { 'content-length': content.byteLength, 'accept-ranges': 'bytes' });
    response.end(content);
    return;
  }
  const match = /^bytes=(\d+)-(\d*)$/.exec(rangeHeader.trim());
  const start = match ? Number(match[1]) : Number.NaN;
  const end = match?.[2] ? Math.min(Number(match[2]), content.byteLength - 1) : content.byteLength - 1;
  if (!match || start >= content.byteLength || end < start) {
    response.writeHead(416, { 'content-range': `bytes */${content.byteLength}` }).end();
    return;
  }
  response.writeHead(206, {
    'content-length': end - start + 1,
    'content-range': `bytes ${start}-${end}/${content.byteLength}`,
    'accept-ranges': 'bytes',
  });
  response.end(content.subarray(start, end + 1));
}

/** Milliseconds between the partial body and the reset of a cut response. */
const CUT_PAUSE_MS = 500;

/** Responds to a `bytes=a-b` request with full headers but only `cut` body bytes, then resets the socket. */
function sendCutBody(response: ServerResponse, content: Uint8Array, rangeHeader: string, cut: number): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader);
  const start = Number(match?.[1] ?? 0);
  const end = Math.min(Number(match?.[2] ?? content.byteLength - 1), content.byteLength - 1);
  response.writeHead(206, {
    'content-length': end - start + 1,
    'content-range': `bytes ${start}-${end}/${content.byteLength}`,
  });
  // The pause lets the browser read the partial body before the reset, which would discard unread data.
  response.write(content.subarray(start, start + cut), () => {
    setTimeout(() => response.socket?.destroy(), CUT_PAUSE_MS);
  });
}

/**
 * Starts an HTTP server on 127.0.0.1 that serves the built app from `appDirectory` and, like the
 * Hugging Face hub, `GET /api/models/{repo}/revision/{revision}` (a `siblings` listing) and
 * `GET /{repo}/resolve/{revision}/{file}` with `Range` support.
 */
export async function startTestServer(
  appDirectory: string,
  repos: readonly HubRepo[],
  faults: TestServerFaults = {},
): Promise<TestServer> {
  const app = await readStaticFiles(appDirectory);
  const ranges: { file: string; range: string }[] = [];
  const cuts = new Map(faults.cutOnce ?? []);

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    if (listing) {
      const repo = repos.find((entry) => entry.repo === listing[1] && entry.revision === listing[2]);
      if (repo === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"RepoNotFound"}');
        return;
      }
      const siblings = [...repo.files].map(([name, content]) => ({
        rfilename: name,
        size: content.byteLength,
      }));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: repo.repo, sha: '0'.repeat(40), siblings }));
      return;
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/([^/]+)$/.exec(path);
    if (resolve) {
      const repo = repos.find((entry) => entry.repo === resolve[1] && entry.revision === resolve[2]);
      const content = repo?.files.get(resolve[3] ?? '');
      if (content === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"EntryNotFound"}');
        return;
      }
      const file = `${resolve[1]}/${resolve[3]}`;
      const range = request.headers.range ?? 'none';
      ranges.push({ file, range });
      const cut = cuts.get(file);
      if (cut !== undefined && range !== 'bytes=0-0') {
        cuts.delete(file);
        sendCutBody(response, content, range, cut);
        return;
      }
      sendFile(response, content, request.headers.range);
      return;
    }
    const content = app.get(path === '/' ? '/index.html' : path);
    if (content === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path) || '.html'] ?? 'application/octet-stream',
    });
    response.end(content);
  };

  const server = createServer(handle);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    ranges,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
