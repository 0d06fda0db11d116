import { DownloadError, InputNotFoundError, UsageError } from '../errors.js';
import { formatRepoRef, type RepoRef } from './repo-ref.js';

/** The public Hugging Face hub, used when `HF_ENDPOINT` is not set. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Largest repository listing read, in bytes. A 10,000-file listing with metadata is about 3 MB. */
export const MAX_LISTING_BYTES = 32 * 1024 * 1024;
/** Most files a pulled repository may have; a model repo has a handful, so more means a wrong repo. */
export const MAX_REPO_FILES = 10_000;
/** Maximum file path length accepted from a listing. Paths become file names under the cache directory. */
export const MAX_REPO_PATH_LENGTH = 1024;

/** One file of a repository revision, with the metadata the hub lists for it. */
export interface HubFile {
  /** Path inside the repository, with `/` separators. */
  path: string;
  /** Size in bytes (of the real file for LFS files), or `undefined` when the hub lists none. */
  size: number | undefined;
  /** SHA-256 of the content, listed for LFS files. */
  sha256: string | undefined;
  /** Git blob id (SHA-1 of `blob <size>\0` + content), listed for files stored in Git itself. */
  gitBlobId: string | undefined;
}

/** The files of a repository at one revision. */
export interface RepoListing {
  /** Repository and revision that were listed. */
  ref: RepoRef;
  /** Commit the revision resolved to, when the hub reports one. */
  commit: string | undefined;
  /** Files in listing order. */
  files: HubFile[];
}

/** Connection settings for hub requests. */
export interface HubClientOptions {
  /** Base URL of the hub without a trailing slash. */
  endpoint: string;
  /** Access token sent as `Authorization: Bearer`, for private or gated repositories. Default: none. */
  token?: string;
  /** `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Aborts requests. Default: none. */
  signal?: AbortSignal;
}

/** Reads the hub endpoint from `HF_ENDPOINT`, or returns the public hub. Rejects non-HTTP URLs. */
export function hubEndpoint(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.HF_ENDPOINT?.trim();
  if (configured === undefined || configured === '') return DEFAULT_HUB_ENDPOINT;
  let url: URL;
  try {
    url = new URL(configured);
  } catch (error) {
    throw new UsageError(
      `Invalid HF_ENDPOINT '${configured}': not a URL. Use for example https://huggingface.co.`,
      undefined,
      {
        cause: error,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Invalid HF_ENDPOINT '${configured}': only http and https URLs are supported.`);
  }
  return configured.replace(/\/+$/, '');
}

/** Builds request headers: the bearer token when one is set. */
export function hubHeaders(options: HubClientOptions): Record<string, string> {
  return options.token === undefined || options.token === ''
    ? {}
    : { Authorization: `Bearer ${options.token}` };
}

/** URL of the hub's listing of `ref`, with per-file sizes and checksums (`blobs=true`). */
export function listingUrl(endpoint: string, ref: RepoRef): string {
  return `${endpoint}/api/models/${ref.repo}/revision/${encodeURIComponent(ref.revision)}?blobs=true`;
}

/** URL that serves one file of `ref`; the hub redirects LFS files to its storage. */
export function resolveUrl(endpoint: string, ref: RepoRef, path: string): string {
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${encodedPath}`;
}

/** Describes a failed fetch (no response at all) with the error code Node reports. */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Reads a response body as text, failing once it exceeds `limit` bytes. */
async function readTextLimited(response: Response, url: string, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new DownloadError(
      `The hub listing at ${url} is ${declared} bytes, more than the ${limit}-byte limit.`,
      url,
      response.status,
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body !== null) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > limit) {
        throw new DownloadError(
          `The hub listing at ${url} exceeds the ${limit}-byte limit.`,
          url,
          response.status,
        );
      }
      chunks.push(chunk);
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** Returns whether `path` is a safe relative file path to create under the cache directory. */
export function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_REPO_PATH_LENGTH) return false;
  if (path.startsWith('/') || path.includes('\\') || /[\u0000-\u001f]/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Validates one `siblings` entry of a listing and converts it to a {@link HubFile}. */
function parseSibling(entry: unknown, url: string): HubFile {
  const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const path = record.rfilename;
  if (typeof path !== 'string' || !isSafeRepoPath(path)) {
    throw new DownloadError(
      `The hub listing at ${url} contains an invalid file name ${JSON.stringify(path)}; refusing to write it to disk.`,
      url,
      undefined,
    );
  }
  const lfs = (typeof record.lfs === 'object' && record.lfs !== null ? record.lfs : undefined) as
    | Record<string, unknown>
    | undefined;
  const rawSize = lfs?.size ?? record.size;
  const size =
    typeof rawSize === 'number' && Number.isSafeInteger(rawSize) && rawSize >= 0 ? rawSize : undefined;
  const sha256 =
    typeof lfs?.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(lfs.sha256)
      ? lfs.sha256.toLowerCase()
      : undefined;
  // A blob id of an LFS file is the hash of the pointer, not of the content, so it is kept only without LFS.
  const blobId = record.blobId;
  const gitBlobId =
    lfs === undefined && typeof blobId === 'string' && /^[0-9a-f]{40}$/i.test(blobId)
      ? blobId.toLowerCase()
      : undefined;
  return { path, size, sha256, gitBlobId };
}

/**
 * Lists the files of a repository revision with `GET /api/models/{repo}/revision/{revision}?blobs=true`.
 * A 404 raises {@link InputNotFoundError} (repo or revision missing); other failures raise
 * {@link DownloadError} with the URL and the HTTP status.
 */
export async function listRepoFiles(ref: RepoRef, options: HubClientOptions): Promise<RepoListing> {
  const url = listingUrl(options.endpoint, ref);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: hubHeaders(options), signal: options.signal ?? null });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new DownloadError(
      `Could not reach the hub at ${url}: ${describeNetworkError(error)}. Check your network connection and HF_ENDPOINT.`,
      url,
      undefined,
      { cause: error },
    );
  }

  if (response.status === 404) {
    const reason = response.headers.get('x-error-code') ?? 'not found';
    throw new InputNotFoundError(
      `Model ${formatRepoRef(ref)} not found on the hub: GET ${url} returned HTTP 404 (${reason}). ` +
        'Check the repo id and the branch after @.',
      formatRepoRef(ref),
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new DownloadError(
      `Access to ${formatRepoRef(ref)} was denied: GET ${url} returned HTTP ${response.status}. ` +
        'The repository may be private or gated; set HF_TOKEN to an access token that can read it.',
      url,
      response.status,
    );
  }
  if (!response.ok) {
    throw new DownloadError(
      `Listing ${formatRepoRef(ref)} failed: GET ${url} returned HTTP ${response.status}.`,
      url,
      response.status,
    );
  }

  const text = await readTextLimited(response, url, MAX_LISTING_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new DownloadError(`The hub returned invalid JSON for ${url}.`, url, response.status, {
      cause: error,
    });
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!Array.isArray(record.siblings)) {
    throw new DownloadError(`The hub listing at ${url} has no 'siblings' file list.`, url, response.status);
  }
  if (record.siblings.length > MAX_REPO_FILES) {
    throw new DownloadError(
      `The repository ${formatRepoRef(ref)} lists ${record.siblings.length} files, more than the limit of ${MAX_REPO_FILES}; it is not a model repository.`,
      url,
      response.status,
    );
  }
  const files = record.siblings.map((entry) => parseSibling(entry, url));
  const commit = typeof record.sha === 'string' ? record.sha : undefined;
  return { ref, commit, files };
}
