import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { formatBytes } from '../progress.js';
import { isPullComplete, modelDirectory, readPullManifest, writePullManifest } from './cache.js';
import { downloadFile } from './download-file.js';
import { type HubFile, hubHeaders, listRepoFiles, resolveUrl } from './hub-api.js';
import { formatRepoRef, type RepoRef } from './repo-ref.js';

/** Options of {@link pullModel}. */
export interface PullModelOptions {
  /** Repository and revision to download. */
  ref: RepoRef;
  /** Model cache directory (see `cacheDirectory`). */
  cacheDir: string;
  /** Hub base URL without a trailing slash. */
  endpoint: string;
  /** Hub access token. Default: none. */
  token?: string;
  /** `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Aborts the pull; partial files stay for a resume. Default: none. */
  signal?: AbortSignal;
  /** Progress bars and log lines. */
  log: Logger;
}

/** Result of {@link pullModel}. */
export interface PullResult {
  /** Directory holding the model files. */
  directory: string;
  /** Commit the revision resolved to, when the hub reports one. */
  commit: string | undefined;
  /** Files of the revision. */
  files: HubFile[];
  /** Bytes downloaded in this call. */
  downloadedBytes: number;
}

/** Returns whether `file` is already on disk and was verified against the same metadata before. */
async function isAlreadyVerified(directory: string, file: HubFile, previous: HubFile[]): Promise<boolean> {
  const before = previous.find((entry) => entry.path === file.path);
  if (
    before === undefined ||
    before.size !== file.size ||
    before.sha256 !== file.sha256 ||
    before.gitBlobId !== file.gitBlobId
  ) {
    return false;
  }
  try {
    const info = await stat(join(directory, file.path));
    return file.size === undefined || info.size === file.size;
  } catch {
    return false;
  }
}

/**
 * Downloads every file of a hub repository revision into the cache, with a progress bar per file.
 * Files verified by an earlier pull against the same metadata are skipped; interrupted downloads
 * resume with `Range` requests. The manifest is written last, so a directory with a manifest is
 * complete.
 */
export async function pullModel(options: PullModelOptions): Promise<PullResult> {
  const { ref, log } = options;
  const client = {
    endpoint: options.endpoint,
    token: options.token,
    fetch: options.fetch,
    signal: options.signal,
  };
  const listing = await listRepoFiles(ref, client);
  const directory = modelDirectory(options.cacheDir, ref);
  const previous = (await readPullManifest(directory))?.files ?? [];

  const total = listing.files.reduce((sum, file) => sum + (file.size ?? 0), 0);
  log.info(
    `Pulling ${formatRepoRef(ref)}${listing.commit === undefined ? '' : ` (commit ${listing.commit.slice(0, 12)})`}: ` +
      `${listing.files.length} files, ${formatBytes(total)} into ${directory}`,
  );

  let downloadedBytes = 0;
  // Small files first, so config and tokenizer problems show up before the long weight download.
  const ordered = [...listing.files].sort((a, b) => (a.size ?? 0) - (b.size ?? 0));
  for (const file of ordered) {
    if (await isAlreadyVerified(directory, file, previous)) {
      log.progress({ label: file.path, total: file.size }).finish('already downloaded and verified');
      continue;
    }
    if (file.sha256 === undefined && file.gitBlobId === undefined) {
      log.warn(`The hub lists no checksum for ${file.path}; only its size is checked.`);
    }
    const bar = log.progress({ label: file.path, total: file.size });
    try {
      const result = await downloadFile({
        url: resolveUrl(options.endpoint, ref, file.path),
        destination: join(directory, file.path),
        name: file.path,
        expectedSize: file.size,
        sha256: file.sha256,
        gitBlobId: file.gitBlobId,
        headers: hubHeaders(client),
        fetch: options.fetch,
        signal: options.signal,
        onProgress: (done, size) => bar.update(done, size),
      });
      downloadedBytes += result.received;
      bar.finish();
      if (result.resumedFrom > 0) log.info(`  resumed ${file.path} from byte ${result.resumedFrom}`);
    } catch (error) {
      bar.clear();
      throw error;
    }
  }

  await writePullManifest(directory, {
    repo: ref.repo,
    revision: ref.revision,
    commit: listing.commit,
    endpoint: options.endpoint,
    files: listing.files,
    completedAt: new Date().toISOString(),
  });
  return { directory, commit: listing.commit, files: listing.files, downloadedBytes };
}

/**
 * Returns the cached directory of `ref` when an earlier pull completed and its files are intact,
 * without contacting the hub.
 */
export async function findPulledModel(cacheDir: string, ref: RepoRef): Promise<string | undefined> {
  const directory = modelDirectory(cacheDir, ref);
  const manifest = await readPullManifest(directory);
  if (manifest === undefined) return undefined;
  return (await isPullComplete(directory, manifest)) ? directory : undefined;
}
