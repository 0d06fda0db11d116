import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A static file server on 127.0.0.1 that serves `Range` requests, for tests. */
export interface TestServer {
  /** Base URL ending in `/`. */
  url: string;
  /** Number of requests served so far. */
  requests: number;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts a server for `files`. With `ranges: false` it ignores `Range` headers and sends 200, and
 * with `extraBytes` it sends that many bytes past the requested range end.
 */
export async function startTestServer(
  files: Record<string, Uint8Array>,
  options: { ranges?: boolean; extraBytes?: number } = {},
): Promise<TestServer> {
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests++;
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname.slice(1));
    const body = Object.hasOwn(files, name) ? files[name] : undefined;
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
    if (!range || options.ranges === false) {
      response.writeHead(200, { 'content-length': body.length }).end(body);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]) + (options.extraBytes ?? 0), body.length - 1);
    if (start >= body.length) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    response.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${body.length}`,
      'content-length': end - start + 1,
    });
    response.end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
