import { readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HubFile } from './hub-api.js';
import type { RepoRef } from './repo-ref.js';

/** File in a pulled model directory that records what was downloaded and verified. */
export const PULL_MANIFEST_NAME = '.minichat-pull.json';

/** Largest manifest read back, in bytes; it lists at most a few thousand files. */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

/** Contents of {@link PULL_MANIFEST_NAME}: the listing a pull completed against. */
export interface PullManifest {
  /** Repository id. */
  repo: string;
  /** Revision as requested (branch, tag or commit). */
  revision: string;
  /** Commit the revision resolved to, when the hub reports one. */
  commit: string | undefined;
  /** Hub endpoint the files came from. */
  endpoint: string;
  /** Every file with the size and checksums it was verified against. */
  files: HubFile[];
  /** ISO 8601 time the pull finished. */
  completedAt: string;
}

/**
 * Returns the model cache directory: `--cache-dir` when given, else `MINICHAT_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/minichat`, else `~/.cache/minichat` (the XDG base directory default).
 */
export function cacheDirectory(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  override?: string,
): string {
  if (override !== undefined && override !== '') return resolve(cwd, override);
  const configured = env.MINICHAT_CACHE_DIR;
  if (configured !== undefined && configured !== '') return resolve(cwd, configured);
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg?.startsWith('/')) return join(xdg, 'minichat');
  return join(env.HOME ?? homedir(), '.cache', 'minichat');
}

/** Directory a pull of `ref` writes to: `<cache>/models/<owner>/<name>/<revision>`. */
export function modelDirectory(cacheDir: string, ref: RepoRef): string {
  const [owner = '', name = ''] = ref.repo.split('/');
  // Branches may contain '/', which must not create nested directories that collide with others.
  return join(cacheDir, 'models', owner, name, encodeURIComponent(ref.revision));
}

/** Reads the manifest of a pulled directory, or `undefined` when there is none or it is unreadable. */
export async function readPullManifest(directory: string): Promise<PullManifest | undefined> {
  const path = join(directory, PULL_MANIFEST_NAME);
  try {
    if ((await stat(path)).size > MAX_MANIFEST_BYTES) return undefined;
    const parsed = JSON.parse(await readFile(path, 'utf8')) as PullManifest;
    return Array.isArray(parsed.files) ? parsed : undefined;
  } catch {
    // A missing or damaged manifest only means the next pull verifies everything again.
    return undefined;
  }
}

/** Writes the manifest after every file of a pull is verified. */
export async function writePullManifest(directory: string, manifest: PullManifest): Promise<void> {
  await writeFile(join(directory, PULL_MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Returns whether every file the manifest lists is present with its listed size. */
export async function isPullComplete(directory: string, manifest: PullManifest): Promise<boolean> {
  for (const file of manifest.files) {
    try {
      const info = await stat(join(directory, file.path));
      if (file.size !== undefined && info.size !== file.size) return false;
    } catch {
      return false;
    }
  }
  return true;
}
