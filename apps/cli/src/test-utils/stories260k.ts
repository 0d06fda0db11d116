import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fixture directory, from the shared vitest configuration. */
export const FIXTURES = process.env.MINICHAT_FIXTURES ?? '/work/shared/fixtures';

let prepared: Promise<string> | undefined;

/**
 * Returns a directory holding the stories260K llama2.c checkpoint and tokenizer plus a README (a
 * file the hub keeps in Git rather than LFS), prepared once per test file.
 */
export function stories260kRepoDirectory(): Promise<string> {
  prepared ??= (async () => {
    const directory = await mkdtemp(join(tmpdir(), 'minichat-stories260k-'));
    await copyFile(join(FIXTURES, 'llama2c/stories260K.bin'), join(directory, 'stories260K.bin'));
    await copyFile(join(FIXTURES, 'llama2c/tok512.bin'), join(directory, 'tok512.bin'));
    await writeFile(join(directory, 'README.md'), '# stories260K\n\nllama2.c checkpoint and tokenizer.\n');
    return directory;
  })();
  return prepared;
}
