import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads the plain files of `directory` (no sub-folders) into a map keyed by file name. */
export async function readDirectoryFiles(directory: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.isFile()) files.set(entry.name, await readFile(join(directory, entry.name)));
  }
  return files;
}
