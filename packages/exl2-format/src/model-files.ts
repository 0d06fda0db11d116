import { type ByteSource, blobSource, bytesSource } from './byte-source.js';
import { ByteSourceError, listChoices, NotFoundError } from './errors.js';
import { type UrlSourceOptions, urlSource } from './url-source.js';

/**
 * The files of one model: a directory on disk (`directoryFiles` from the `node` subpath), a
 * list of browser `File`s ({@link filesFromList}), a base URL ({@link urlFiles}) or memory
 * ({@link memoryFiles}). Names are plain file names without folders.
 */
export interface ModelFiles {
  /** Where the files come from, for messages (a path, a URL or "files"). */
  readonly location: string;
  /** Names of the files that exist. */
  list(): string[];
  /** Opens one file for range reads. Rejects with {@link NotFoundError} for unknown names. */
  open(name: string, signal?: AbortSignal): Promise<ByteSource>;
  /** Releases open handles, when the implementation keeps any. */
  close?(): Promise<void>;
}

function notFound(files: ModelFiles, name: string): NotFoundError {
  return new NotFoundError(`File ${name} is not in ${files.location}. Files: ${listChoices(files.list())}.`, {
    file: name,
    expected: 'one of the listed files',
    actual: name,
  });
}

/** Reads a whole small file, refusing files larger than `maxBytes`. */
export async function readWholeFile(
  files: ModelFiles,
  name: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const source = await files.open(name, signal);
  if (source.size > maxBytes) {
    throw new ByteSourceError(
      `${name} is ${source.size} bytes, more than the ${maxBytes}-byte limit for this kind of file.`,
      {
        file: name,
        expected: `<= ${maxBytes} bytes`,
        actual: `${source.size} bytes`,
      },
    );
  }
  return source.read(0, source.size, signal);
}

/** Wraps named byte arrays as {@link ModelFiles}; useful for tests and for files already in memory. */
export function memoryFiles(entries: Record<string, Uint8Array>, location = 'memory'): ModelFiles {
  const files: ModelFiles = {
    location,
    list: () => Object.keys(entries),
    async open(name) {
      const bytes = Object.hasOwn(entries, name) ? entries[name] : undefined;
      if (!bytes) throw notFound(files, name);
      return bytesSource(bytes, name);
    },
  };
  return files;
}

/** Wraps browser `File` objects (from an `<input type="file" multiple>` or a drop) as {@link ModelFiles}. */
export function filesFromList(list: Iterable<File> | ArrayLike<File>): ModelFiles {
  const byName = new Map<string, File>();
  for (const file of Array.from(list as ArrayLike<File>)) byName.set(file.name, file);
  const files: ModelFiles = {
    location: 'the selected files',
    list: () => [...byName.keys()],
    async open(name) {
      const file = byName.get(name);
      if (!file) throw notFound(files, name);
      return blobSource(file, name);
    },
  };
  return files;
}

/** File names {@link urlFiles} probes when no list is given: a single-shard model and its tokenizer. */
export const DEFAULT_URL_FILE_NAMES = [
  'config.json',
  'generation_config.json',
  'tokenizer.model',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'output.safetensors',
  'model.safetensors',
  'model.safetensors.index.json',
] as const;

/** Options of {@link urlFiles}. */
export interface UrlFilesOptions extends UrlSourceOptions {
  /** File names to use. Default: probe {@link DEFAULT_URL_FILE_NAMES} and keep those that exist. */
  fileNames?: readonly string[];
}

/**
 * Opens a model hosted under a base URL (HF hub style, e.g. `https://host/org/model/resolve/main/`).
 * Without `fileNames` it probes the usual names with one-byte range requests; sharded models
 * need their shard names listed.
 */
export async function urlFiles(baseUrl: string, options: UrlFilesOptions = {}): Promise<ModelFiles> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const sources = new Map<string, Promise<ByteSource>>();
  const openUrl = (name: string) => {
    let source = sources.get(name);
    if (!source) {
      source = urlSource(new URL(encodeURIComponent(name), base).href, options);
      sources.set(name, source);
      source.catch(() => sources.delete(name));
    }
    return source;
  };

  let names: string[];
  if (options.fileNames) {
    names = [...options.fileNames];
  } else {
    const probes = await Promise.all(
      DEFAULT_URL_FILE_NAMES.map((name) =>
        openUrl(name).then(
          () => name,
          (error: unknown) => {
            // A 404 means the file is absent; any other failure is a real error to report.
            if (error instanceof ByteSourceError && error.actual === 'HTTP 404') return undefined;
            throw error;
          },
        ),
      ),
    );
    names = probes.filter((name): name is (typeof DEFAULT_URL_FILE_NAMES)[number] => name !== undefined);
  }
  const files: ModelFiles = {
    location: base,
    list: () => [...names],
    async open(name) {
      if (!names.includes(name)) throw notFound(files, name);
      return openUrl(name);
    },
  };
  return files;
}
