import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DownloadError, IntegrityError } from '../errors.js';
import { describeNetworkError } from './hub-api.js';

/** Suffix of a file that is still downloading. Its bytes are a prefix of the real file. */
export const PARTIAL_SUFFIX = '.incomplete';

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** URL to GET. */
  url: string;
  /** Path of the finished file. The partial download sits beside it with {@link PARTIAL_SUFFIX}. */
  destination: string;
  /** File name for messages, such as the path inside the repository. */
  name: string;
  /** Size the file must have, in bytes. Default: unchecked. */
  expectedSize?: number;
  /** Lower-case hex SHA-256 the content must have. Default: unchecked. */
  sha256?: string;
  /** Lower-case hex Git blob id (SHA-1 of `blob <size>\0` + content) the content must have. Default: unchecked. */
  gitBlobId?: string;
  /** Extra request headers, for example `Authorization`. Default: none. */
  headers?: Record<string, string>;
  /** `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Aborts the download; the partial file stays for a later resume. Default: none. */
  signal?: AbortSignal;
  /** Called with the bytes present so far (resumed bytes included) and the expected total. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/** Result of {@link downloadFile}. */
export interface DownloadResult {
  /** Bytes that were already on disk from an earlier, interrupted download. */
  resumedFrom: number;
  /** Bytes received in this call. */
  received: number;
  /** SHA-256 of the finished file, lower-case hex. */
  sha256: string;
}

/** Running digests of the file: SHA-256 always, the Git blob id when the size is known up front. */
class ContentHashes {
  readonly sha256: Hash = createHash('sha256');
  readonly gitBlob: Hash | undefined;

  constructor(size: number | undefined) {
    if (size !== undefined) {
      this.gitBlob = createHash('sha1');
      this.gitBlob.update(`blob ${size}\0`);
    }
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.gitBlob?.update(chunk);
  }
}

/** Returns the size of `path`, or 0 when it does not exist. */
async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Feeds the first `length` bytes of an existing partial file into the hashes. */
async function hashExisting(path: string, length: number, hashes: ContentHashes): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) {
    hashes.update(chunk as Buffer);
  }
}

/** Parses the first byte position of `Content-Range: bytes a-b/total`. */
function contentRangeStart(header: string | null): number | undefined {
  const match = header === null ? null : /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

/** Sends the GET request, with a `Range` header when resuming. Network failures become {@link DownloadError}. */
async function request(options: DownloadFileOptions, from: number): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (from > 0) headers.Range = `bytes=${from}-`;
  try {
    return await (options.fetch ?? globalThis.fetch)(options.url, {
      headers,
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new DownloadError(
      `Download of ${options.name} failed: could not reach ${options.url} (${describeNetworkError(error)}). Run the command again to resume.`,
      options.url,
      undefined,
      { cause: error },
    );
  }
}

/**
 * Downloads `url` to `destination`, resuming a partial download with a `Range` request, and checks
 * the size and checksums before the file gets its final name. A failed transfer keeps the partial
 * file for the next attempt; a checksum or size mismatch deletes it and raises {@link IntegrityError}.
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const partialPath = options.destination + PARTIAL_SUFFIX;
  await mkdir(dirname(options.destination), { recursive: true });

  let present = await fileSize(partialPath);
  if (options.expectedSize !== undefined && present > options.expectedSize) {
    // Longer than the real file: the hub content changed since the partial download. Start over.
    await rm(partialPath, { force: true });
    present = 0;
  }

  let hashes = new ContentHashes(options.expectedSize);
  await hashExisting(partialPath, present, hashes);
  const resumedFrom = present;
  let received = 0;
  options.onProgress?.(present, options.expectedSize);

  if (options.expectedSize === undefined || present < options.expectedSize) {
    let response = await request(options, present);
    if (present > 0 && (response.status === 200 || response.status === 416)) {
      // The server ignored the range or rejected it: discard the partial file and fetch everything.
      await response.body?.cancel();
      if (response.status === 416) response = await request(options, 0);
      present = 0;
      hashes = new ContentHashes(options.expectedSize);
    }
    if (response.status === 206 && contentRangeStart(response.headers.get('content-range')) !== present) {
      await response.body?.cancel();
      throw new DownloadError(
        `Download of ${options.name} failed: the range request from byte ${present} to ${options.url} returned Content-Range '${response.headers.get('content-range')}'.`,
        options.url,
        206,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new DownloadError(
        `Download of ${options.name} failed: GET ${options.url} returned HTTP ${response.status}.`,
        options.url,
        response.status,
      );
    }

    const file = await open(partialPath, present === 0 ? 'w' : 'a');
    try {
      if (response.body !== null) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (options.expectedSize !== undefined && present + chunk.byteLength > options.expectedSize) {
            await rm(partialPath, { force: true });
            throw new IntegrityError(
              `Downloaded ${options.name} is larger than the ${options.expectedSize} bytes the hub lists. The partial file was deleted; run the command again.`,
              {
                file: options.name,
                expected: `${options.expectedSize} bytes`,
                actual: `more than ${options.expectedSize} bytes`,
              },
            );
          }
          await file.write(chunk);
          hashes.update(chunk);
          present += chunk.byteLength;
          received += chunk.byteLength;
          options.onProgress?.(present, options.expectedSize);
        }
      }
    } catch (error) {
      if (error instanceof IntegrityError || options.signal?.aborted) throw error;
      throw new DownloadError(
        `Download of ${options.name} was interrupted after ${present} bytes: ${describeNetworkError(error)}. ` +
          'Run the command again to resume from there.',
        options.url,
        response.status,
        { cause: error },
      );
    } finally {
      await file.close();
    }
  }

  await verify(options, partialPath, present, hashes);
  await rename(partialPath, options.destination);
  return { resumedFrom, received, sha256: hashes.sha256.copy().digest('hex') };
}

/** Checks size and digests of the finished partial file; deletes it and throws on a mismatch. */
async function verify(
  options: DownloadFileOptions,
  partialPath: string,
  size: number,
  hashes: ContentHashes,
): Promise<void> {
  const fail = async (what: string, expected: string, actual: string): Promise<never> => {
    await rm(partialPath, { force: true });
    throw new IntegrityError(
      `Downloaded ${options.name} has the wrong ${what}: expected ${expected}, got ${actual}. ` +
        'The file was deleted; run the command again. If it fails again, the hub copy or the network is corrupting the file.',
      { file: options.name, expected, actual },
    );
  };
  if (options.expectedSize !== undefined && size < options.expectedSize) {
    // The server closed the response early without an error: keep the prefix and resume later.
    throw new DownloadError(
      `Download of ${options.name} ended after ${size} of ${options.expectedSize} bytes. Run the command again to resume from there.`,
      options.url,
      undefined,
    );
  }
  if (options.expectedSize !== undefined && size !== options.expectedSize) {
    await fail('size', `${options.expectedSize} bytes`, `${size} bytes`);
  }
  const sha256 = hashes.sha256.copy().digest('hex');
  if (options.sha256 !== undefined && sha256 !== options.sha256) {
    await fail('SHA-256', options.sha256, sha256);
  }
  if (options.gitBlobId !== undefined && hashes.gitBlob !== undefined) {
    const blobId = hashes.gitBlob.digest('hex');
    if (blobId !== options.gitBlobId) await fail('Git blob id', options.gitBlobId, blobId);
  }
}
