import { filesFromList, type ModelFiles } from '@minichat/exl2-format';
import { RemoteModelError } from '../errors.js';
import type { RemoteFile, RemoteModel } from './remote-files.js';

/** Folder in the Origin Private File System that holds every cached model. */
export const CACHE_FOLDER = 'minichat-models';

/**
 * Bytes per `Range` request. Each finished chunk is flushed to disk, so an interrupted download loses
 * at most one chunk; 8 MiB keeps the request count of a 2 GB model near 250.
 */
export const DOWNLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

/** Progress of one file download. */
export interface DownloadProgress {
  /** File name. */
  file: string;
  /** Bytes of this file on disk. */
  loadedBytes: number;
  /** Size of this file. */
  totalBytes: number;
}

/** The part of `FileSystemSyncAccessHandle` the cache uses; TypeScript's DOM library omits the type. */
interface SyncAccessHandle {
  getSize(): number;
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** Directory iteration, which TypeScript's DOM library omits. */
interface IterableDirectory {
  values(): AsyncIterable<FileSystemHandle>;
}

/** Sidecar stored as `<file>.meta.json`: the URL and size the partial file belongs to. */
interface CacheMeta {
  url: string;
  size: number;
}

async function cacheRoot(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(CACHE_FOLDER, { create: true });
}

/** Returns the total size from a `Content-Range: bytes a-b/total` header, or undefined. */
function contentRangeTotal(header: string | null): number | undefined {
  const match = header === null ? null : /^bytes \d+-\d+\/(\d+)$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

async function rangeRequest(
  url: string,
  start: number,
  end: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Range: `bytes=${start}-${end}` }, signal: signal ?? null });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new RemoteModelError(
      `Download of ${url} failed: ${String(cause)}. Retry; the cache resumes where it stopped.`,
      url,
      undefined,
      {
        cause,
      },
    );
  }
  if (response.status !== 206) {
    await response.body?.cancel();
    throw new RemoteModelError(
      `Range request for ${url} returned HTTP ${response.status}; expected 206. The server must support Range requests.`,
      url,
      response.status,
    );
  }
  return response;
}

async function readMeta(folder: FileSystemDirectoryHandle, name: string): Promise<CacheMeta | undefined> {
  try {
    const file = await (await folder.getFileHandle(`${name}.meta.json`)).getFile();
    return JSON.parse(await file.text()) as CacheMeta;
  } catch {
    return undefined;
  }
}

async function writeMeta(folder: FileSystemDirectoryHandle, name: string, meta: CacheMeta): Promise<void> {
  const writable = await (await folder.getFileHandle(`${name}.meta.json`, { create: true })).createWritable();
  await writable.write(JSON.stringify(meta));
  await writable.close();
}

/**
 * Writes a range response to the file at `offset` as it arrives, so a connection that breaks off keeps
 * every byte received and the next attempt resumes after them. Returns the bytes written, which equal
 * `length` unless it throws.
 */
async function writeBody(
  response: Response,
  access: SyncAccessHandle,
  offset: number,
  length: number,
  url: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  if (response.body === null) {
    throw new RemoteModelError(`The response for ${url} has no body.`, url, response.status);
  }
  const reader = response.body.getReader();
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.byteLength > length) {
        throw new RemoteModelError(
          `Range ${offset}-${offset + length - 1} of ${url} sent more than the ${length} bytes requested.`,
          url,
          response.status,
        );
      }
      access.write(value, { at: offset + received });
      received += value.byteLength;
    }
  } catch (cause) {
    if (signal?.aborted || cause instanceof RemoteModelError) throw cause;
    throw new RemoteModelError(
      `Download of ${url} broke off after ${offset + received} bytes: ${String(cause)}. Load again to resume from there.`,
      url,
      response.status,
      { cause },
    );
  } finally {
    access.flush();
    reader.releaseLock();
  }
  if (received !== length) {
    throw new RemoteModelError(
      `Range ${offset}-${offset + length - 1} of ${url} ended after ${received} of ${length} bytes. Load again to resume.`,
      url,
      response.status,
    );
  }
  return received;
}

/**
 * Downloads one file into `folder` with `Range` requests, continuing after the bytes already on disk
 * when the sidecar shows the same URL and size. Needs a dedicated worker, where OPFS offers
 * synchronous access handles that write in place.
 */
async function downloadFile(
  folder: FileSystemDirectoryHandle,
  remote: RemoteFile,
  onProgress: (progress: DownloadProgress) => void,
  signal: AbortSignal | undefined,
): Promise<File> {
  const probe = await rangeRequest(remote.url, 0, 0, signal);
  await probe.body?.cancel();
  const size = contentRangeTotal(probe.headers.get('content-range'));
  if (size === undefined) {
    throw new RemoteModelError(
      `The response for ${remote.url} has no Content-Range total; cannot size the download.`,
      remote.url,
      206,
    );
  }

  const fileHandle = await folder.getFileHandle(remote.name, { create: true });
  const meta = await readMeta(folder, remote.name);
  const access = await (
    fileHandle as unknown as { createSyncAccessHandle(): Promise<SyncAccessHandle> }
  ).createSyncAccessHandle();
  try {
    let offset = access.getSize();
    if (meta === undefined || meta.url !== remote.url || meta.size !== size || offset > size) {
      // Another file or another version: start over.
      access.truncate(0);
      offset = 0;
      await writeMeta(folder, remote.name, { url: remote.url, size });
    }
    onProgress({ file: remote.name, loadedBytes: offset, totalBytes: size });
    while (offset < size) {
      const end = Math.min(offset + DOWNLOAD_CHUNK_BYTES, size) - 1;
      const response = await rangeRequest(remote.url, offset, end, signal);
      const received = await writeBody(response, access, offset, end - offset + 1, remote.url, signal);
      offset += received;
      onProgress({ file: remote.name, loadedBytes: offset, totalBytes: size });
    }
  } finally {
    access.close();
  }
  return fileHandle.getFile();
}

/**
 * Makes every file of `model` available from the OPFS cache, downloading what is missing, and returns
 * them as lazily read model files.
 */
export async function cachedModelFiles(
  model: RemoteModel,
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<ModelFiles> {
  const folder = await (await cacheRoot()).getDirectoryHandle(model.cacheKey, { create: true });
  const files: File[] = [];
  for (const remote of model.files) files.push(await downloadFile(folder, remote, onProgress, signal));
  return filesFromList(files);
}

/** Bytes and file count of everything in the cache folder, sidecars included. */
export async function cacheUsage(): Promise<{ usedBytes: number; files: number }> {
  let usedBytes = 0;
  let files = 0;
  const visit = async (folder: FileSystemDirectoryHandle): Promise<void> => {
    for await (const entry of (folder as unknown as IterableDirectory).values()) {
      if (entry.kind === 'directory') {
        await visit(entry as FileSystemDirectoryHandle);
      } else {
        usedBytes += (await (entry as FileSystemFileHandle).getFile()).size;
        files += 1;
      }
    }
  };
  await visit(await cacheRoot());
  return { usedBytes, files };
}

/** Deletes every cached model. */
export async function clearCache(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(CACHE_FOLDER, { recursive: true }).catch((error: unknown) => {
    if ((error as { name?: string }).name !== 'NotFoundError') throw error;
  });
}
