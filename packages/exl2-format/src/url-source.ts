import { type ByteSource, checkReadLength, checkReadRange, throwIfAborted } from './byte-source.js';
import { ByteSourceError } from './errors.js';

/** Options of {@link urlSource}. */
export interface UrlSourceOptions {
  /** `fetch` implementation to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Extra request headers, for example `Authorization`. Default: none. */
  headers?: Record<string, string>;
  /** Aborts the size probe. Default: none. */
  signal?: AbortSignal;
}

/** Parses the total size from a `Content-Range: bytes a-b/total` header. */
function parseContentRangeTotal(value: string | null): number | undefined {
  const match = value === null ? null : /^bytes\s+\d+-\d+\/(\d+)$/i.exec(value.trim());
  if (!match) return undefined;
  const total = Number(match[1]);
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Opens an HTTP(S) resource as a {@link ByteSource} that reads with `Range` requests. The size
 * comes from a one-byte range probe. Servers that ignore `Range` are rejected, because reading
 * them would download the whole file for every range.
 */
export async function urlSource(url: string, options: UrlSourceOptions = {}): Promise<ByteSource> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const headers = options.headers ?? {};

  const rangeRequest = async (start: number, endInclusive: number, signal?: AbortSignal) => {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { ...headers, Range: `bytes=${start}-${endInclusive}` },
        signal: signal ?? null,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ByteSourceError(
        `Request for ${url} failed: ${String(error)}. Check the URL and the network.`,
        {
          file: url,
          cause: error,
        },
      );
    }
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new ByteSourceError(
        `Range request for ${url} returned HTTP ${response.status}; expected 206 Partial Content. The server must support Range requests.`,
        { file: url, expected: 'HTTP 206', actual: `HTTP ${response.status}` },
      );
    }
    return response;
  };

  const probe = await rangeRequest(0, 0, options.signal);
  const size = parseContentRangeTotal(probe.headers.get('content-range'));
  await probe.body?.cancel();
  if (size === undefined) {
    throw new ByteSourceError(
      `Range response for ${url} has no usable Content-Range header (got ${JSON.stringify(probe.headers.get('content-range'))}); cannot learn the file size.`,
      {
        file: url,
        expected: 'Content-Range: bytes 0-0/<size>',
        actual: String(probe.headers.get('content-range')),
      },
    );
  }

  const source: ByteSource = {
    size,
    name: url,
    async read(offset, length, signal) {
      throwIfAborted(signal);
      checkReadRange(source, offset, length);
      if (length === 0) return new Uint8Array(0);
      const response = await rangeRequest(offset, offset + length - 1, signal);
      // Refuse an oversized body before buffering it: the server ignored the requested range end.
      const declared = Number(response.headers.get('content-length') ?? length);
      if (declared > length) {
        await response.body?.cancel();
        checkReadLength(source, offset, length, declared);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      checkReadLength(source, offset, length, bytes.byteLength);
      return bytes;
    },
  };
  return source;
}
