import { DEFAULT_URL_FILE_NAMES } from '@minichat/exl2-format';
import { RemoteModelError } from '../errors.js';

/** Largest hub listing read, in bytes. A model repository lists a few dozen files in a few KiB. */
export const MAX_LISTING_BYTES = 4 * 1024 * 1024;

/** One remote file of a model. */
export interface RemoteFile {
  /** Plain file name, as the model reader looks it up. */
  name: string;
  /** Absolute URL that serves `Range` requests. */
  url: string;
}

/** A remote model: a cache key and its files. */
export interface RemoteModel {
  /** Folder name in the OPFS cache; the same model always maps to the same key. */
  cacheKey: string;
  /** Files to download. */
  files: RemoteFile[];
}

/** Files the runtime reads: config, weights (with a shard index) and tokenizer files. */
export function isModelFile(name: string): boolean {
  return (
    /\.safetensors$/.test(name) ||
    [
      'config.json',
      'generation_config.json',
      'model.safetensors.index.json',
      'tokenizer.model',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'tokenizer.bin',
    ].includes(name)
  );
}

/** Turns a URL or repo id into a folder name that OPFS accepts. */
export function cacheKeyFor(text: string): string {
  return text.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9._@-]+/g, '_');
}

async function fetchOrThrow(
  url: string,
  init: RequestInit,
  signal: AbortSignal | undefined,
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: signal ?? null });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new RemoteModelError(
      `Request for ${url} failed: ${String(cause)}. Check the URL and the network.`,
      url,
      undefined,
      {
        cause,
      },
    );
  }
}

/** Fetches a hub listing and returns its `siblings` array, bounded by {@link MAX_LISTING_BYTES}. */
async function fetchSiblings(
  url: string,
  label: string,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const response = await fetchOrThrow(url, {}, signal);
  if (!response.ok) {
    await response.body?.cancel();
    throw new RemoteModelError(
      `Listing ${label} failed: GET ${url} returned HTTP ${response.status}. Check the repo id, the revision and the hub URL.`,
      url,
      response.status,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_LISTING_BYTES) {
    await response.body?.cancel();
    throw new RemoteModelError(
      `The listing at ${url} is ${declared} bytes, over the ${MAX_LISTING_BYTES}-byte limit.`,
      url,
      200,
    );
  }
  const text = await response.text();
  if (text.length > MAX_LISTING_BYTES) {
    throw new RemoteModelError(
      `The listing at ${url} is over the ${MAX_LISTING_BYTES}-byte limit.`,
      url,
      200,
    );
  }
  let siblings: unknown;
  try {
    siblings = (JSON.parse(text) as { siblings?: unknown }).siblings;
  } catch (cause) {
    throw new RemoteModelError(`The listing at ${url} is not JSON.`, url, 200, { cause });
  }
  if (!Array.isArray(siblings)) {
    throw new RemoteModelError(
      `The listing at ${url} has no siblings array; is the hub URL right?`,
      url,
      200,
    );
  }
  return siblings;
}

/**
 * Lists a hub repository with `GET {endpoint}/api/models/{repo}/revision/{revision}` and keeps the files
 * the runtime reads. Files in sub-folders are skipped, because the model reader looks up plain names.
 */
export async function listHubModel(
  endpoint: string,
  repo: string,
  revision: string,
  signal?: AbortSignal,
): Promise<RemoteModel> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new RemoteModelError(
      `Invalid repo id '${repo}': expected owner/name, such as TheBloke/model.`,
      repo,
      undefined,
    );
  }
  const base = endpoint.replace(/\/+$/, '');
  const url = `${base}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const siblings = await fetchSiblings(url, `${repo}@${revision}`, signal);

  const names = siblings
    .map((entry) => (entry as { rfilename?: unknown }).rfilename)
    .filter((name): name is string => typeof name === 'string' && !name.includes('/') && isModelFile(name));
  if (!names.includes('config.json')) {
    throw new RemoteModelError(
      `${repo}@${revision} has no config.json, so it is not a model repository.`,
      url,
      200,
    );
  }
  return {
    cacheKey: cacheKeyFor(`${base}/${repo}@${revision}`),
    files: names.map((name) => ({
      name,
      url: `${base}/${repo}/resolve/${encodeURIComponent(revision)}/${encodeURIComponent(name)}`,
    })),
  };
}

/**
 * Finds the model files under a base URL without a listing API: each usual name (plus llama2.c's
 * `tokenizer.bin`) is probed with a one-byte `Range` request, and names that return 404 are dropped.
 */
export async function probeUrlModel(baseUrl: string, signal?: AbortSignal): Promise<RemoteModel> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const candidates = [...DEFAULT_URL_FILE_NAMES, 'tokenizer.bin'];
  const found = await Promise.all(
    candidates.map(async (name) => {
      const url = new URL(encodeURIComponent(name), base).href;
      const response = await fetchOrThrow(url, { headers: { Range: 'bytes=0-0' } }, signal);
      await response.body?.cancel();
      if (response.status === 404) return undefined;
      if (!response.ok) {
        throw new RemoteModelError(`Probing ${url} returned HTTP ${response.status}.`, url, response.status);
      }
      return { name, url };
    }),
  );
  const files = found.filter((file): file is RemoteFile => file !== undefined);
  if (!files.some((file) => file.name === 'config.json')) {
    throw new RemoteModelError(
      `No config.json under ${base}; give the folder URL that contains the model.`,
      base,
      404,
    );
  }
  return { cacheKey: cacheKeyFor(base), files };
}
