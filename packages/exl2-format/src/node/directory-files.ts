import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listChoices, NotFoundError } from '../errors.js';
import type { ModelFiles } from '../model-files.js';
import { type FileByteSource, fileSource } from './file-source.js';

/**
 * Lists the regular files of a model directory (not recursive) as {@link ModelFiles}. Opened
 * files stay open until `close()`.
 */
export function directoryFiles(path: string): ModelFiles {
  let names: string[];
  try {
    names = readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() || entry.isSymbolicLink())
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new NotFoundError(`Cannot list model directory ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  const open = new Map<string, Promise<FileByteSource>>();
  const files: ModelFiles = {
    location: path,
    list: () => [...names],
    open(name) {
      if (!names.includes(name)) {
        return Promise.reject(
          new NotFoundError(`File ${name} is not in ${path}. Files: ${listChoices(names)}.`, {
            file: name,
            actual: 'missing',
          }),
        );
      }
      let source = open.get(name);
      if (!source) {
        source = fileSource(join(path, name));
        open.set(name, source);
      }
      return source;
    },
    async close() {
      const sources = [...open.values()];
      open.clear();
      await Promise.all(sources.map(async (source) => (await source).close()));
    },
  };
  return files;
}
