import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputNotFoundError } from '../errors.js';
import { parseRepoRef, type RepoRef } from '../hub/repo-ref.js';

/** Location of a model, as parsed from a `--model` value. */
export type ModelLocation =
  | { kind: 'directory'; path: string }
  | { kind: 'hub'; ref: RepoRef }
  | { kind: 'url'; url: string };

/** Returns the kind of file system entry at `path`, or `undefined` when there is none. */
async function entryKind(path: string): Promise<'directory' | 'file' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * Reads a hub web URL (`{endpoint}/owner/name` or `{endpoint}/owner/name/tree/branch`) as a repo
 * reference, so a URL copied from the browser works like the repo id.
 */
function hubRefFromUrl(url: URL, endpoint: string): RepoRef | undefined {
  const base = new URL(endpoint);
  if (url.origin !== base.origin) return undefined;
  const basePath = base.pathname.replace(/\/+$/, '');
  if (!url.pathname.startsWith(`${basePath}/`)) return undefined;
  const parts = url.pathname
    .slice(basePath.length + 1)
    .replace(/\/+$/, '')
    .split('/')
    .map(decodeURIComponent);
  if (parts.length === 2) return parseRepoRef(parts.join('/'));
  if (parts.length >= 4 && parts[2] === 'tree') {
    return parseRepoRef(`${parts[0]}/${parts[1]}@${parts.slice(3).join('/')}`);
  }
  return undefined;
}

/**
 * Parses a `--model` value. A local directory wins over a repo id of the same spelling. An
 * `http(s)://` value is a URL, and a hub page URL becomes a repo reference. `owner/name[@branch]` is
 * a hub repository. Anything else raises {@link InputNotFoundError}.
 */
export async function locateModel(text: string, cwd: string, endpoint: string): Promise<ModelLocation> {
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch (error) {
      throw new InputNotFoundError(`Invalid model URL '${text}'.`, text, { cause: error });
    }
    const ref = hubRefFromUrl(url, endpoint);
    return ref === undefined ? { kind: 'url', url: url.href.replace(/\/?$/, '/') } : { kind: 'hub', ref };
  }

  const path = resolve(cwd, text);
  const kind = await entryKind(path);
  if (kind === 'directory') return { kind: 'directory', path };
  if (kind === 'file') {
    throw new InputNotFoundError(
      `Model '${text}' is a file. Pass the directory that contains config.json and the weights.`,
      text,
    );
  }

  const ref = parseRepoRef(text);
  if (ref !== undefined) return { kind: 'hub', ref };
  throw new InputNotFoundError(
    `Model '${text}' not found: there is no directory ${path}, and it is not a hub repo id ` +
      '(owner/name or owner/name@branch) or an http(s) URL.',
    text,
  );
}
