import { type ModelFiles, type ModelReader, openModel, urlFiles } from '@minichat/exl2-format';
import { directoryFiles } from '@minichat/exl2-format/node';
import type { CliIo } from '../args/command.js';
import type { HubSettings } from '../commands/shared-options.js';
import { hubHeaders, listRepoFiles, resolveUrl } from '../hub/hub-api.js';
import { findPulledModel, pullModel } from '../hub/pull.js';
import { formatRepoRef } from '../hub/repo-ref.js';
import type { Logger } from '../log.js';
import { locateModel, type ModelLocation } from './locate.js';

/** Access mode for a hub model that is not in the cache. */
export type HubAccess =
  /** Download it into the cache first (`chat`, `generate`: they read every weight anyway). */
  | 'pull'
  /** Read it from the hub with range requests (`inspect`, `tokenize`, `prompt` read only headers). */
  | 'remote';

/** Options of {@link openModelArgument}. */
export interface OpenModelArgumentOptions {
  /** Hub connection settings. */
  hub: HubSettings;
  /** How to open a hub model that is not cached. */
  access: HubAccess;
  /** Progress output. */
  log: Logger;
  /** Aborts downloads and reads. */
  signal: AbortSignal;
}

/** A model opened from a `--model` value. */
export interface OpenedModel {
  /** The value as the user typed it. */
  argument: string;
  /** Resolved location. */
  location: ModelLocation;
  /** Local directory of the files, when they are on disk. */
  directory: string | undefined;
  /** The model's files. */
  files: ModelFiles;
  /** The validated model: config, tensor index, tokenizer files. */
  reader: ModelReader;
}

/** Returns the files of a hub model: the cached copy, a fresh pull, or range reads from the hub. */
async function hubFiles(
  location: Extract<ModelLocation, { kind: 'hub' }>,
  options: OpenModelArgumentOptions,
): Promise<{ files: ModelFiles; directory: string | undefined }> {
  const { hub, log, signal } = options;
  const cached = await findPulledModel(hub.cacheDir, location.ref);
  if (cached !== undefined) return { files: directoryFiles(cached), directory: cached };

  if (options.access === 'pull') {
    log.info(`${formatRepoRef(location.ref)} is not in the cache (${hub.cacheDir}); downloading it first.`);
    const pulled = await pullModel({ ref: location.ref, ...hub, signal, log });
    return { files: directoryFiles(pulled.directory), directory: pulled.directory };
  }

  const listing = await listRepoFiles(location.ref, { ...hub, signal });
  const fileNames = listing.files.map((file) => file.path).filter((path) => !path.includes('/'));
  const base = resolveUrl(hub.endpoint, location.ref, '');
  log.info(`Reading ${formatRepoRef(location.ref)} from ${base} with range requests (not cached).`);
  const files = await urlFiles(base, { fileNames, headers: hubHeaders(hub), signal });
  return { files, directory: undefined };
}

/**
 * Opens the model named by a `--model` value: a local directory, a hub repo id (from the cache,
 * pulled or read remotely, as `access` selects) or a URL read with range requests. The config and
 * every tensor header are validated before this returns.
 */
export async function openModelArgument(
  argument: string,
  io: CliIo,
  options: OpenModelArgumentOptions,
): Promise<OpenedModel> {
  const location = await locateModel(argument, io.cwd, options.hub.endpoint);
  let files: ModelFiles;
  let directory: string | undefined;
  if (location.kind === 'directory') {
    files = directoryFiles(location.path);
    directory = location.path;
  } else if (location.kind === 'url') {
    files = await urlFiles(location.url, { signal: options.signal });
  } else {
    ({ files, directory } = await hubFiles(location, options));
  }

  const reader = await openModel(files, { signal: options.signal });
  for (const warning of reader.warnings) options.log.warn(warning);
  return { argument, location, directory, files, reader };
}
