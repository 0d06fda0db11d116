import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliProcess } from './run-cli.js';

/** Fixture directory, from the shared vitest configuration. */
export const FIXTURES = process.env.MINICHAT_FIXTURES ?? '/work/shared/fixtures';
/** The stories260K llama2.c checkpoint. */
export const STORIES260K_CHECKPOINT = join(FIXTURES, 'llama2c/stories260K.bin');
/** Its 512-piece llama2.c tokenizer. */
export const STORIES260K_TOKENIZER = join(FIXTURES, 'llama2c/tok512.bin');

/** The published greedy 200-token output of stories260K from BOS (llama2.c's own test). */
export interface Stories260kExpected {
  /** Text of the 200 generated tokens, without the trailing newline run.c prints. */
  text: string;
  /** BOS followed by the 200 generated token ids. */
  ids: number[];
}

/** Reads the known-answer case `greedy_200` of the stories260K fixture. */
export async function readStories260kExpected(): Promise<Stories260kExpected> {
  const fixture = JSON.parse(await readFile(join(FIXTURES, 'llama2c/stories260K-expected.json'), 'utf8')) as {
    cases: { name: string; expected_text: string; expected_token_ids: number[] }[];
  };
  const greedy = fixture.cases.find((entry) => entry.name === 'greedy_200');
  if (greedy === undefined) throw new Error('stories260K-expected.json has no greedy_200 case');
  return { text: greedy.expected_text, ids: greedy.expected_token_ids };
}

const converted = new Map<string, Promise<string>>();

/**
 * Converts the stories260K fixture with `minichat convert --from llama2c` into a temporary
 * directory, once per format and test file, and returns the directory.
 */
export function convertStories260k(format: 'f32' | 'f16' | 'exl2', bits?: number): Promise<string> {
  const key = `${format}:${bits ?? ''}`;
  let directory = converted.get(key);
  if (directory === undefined) {
    directory = (async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'minichat-stories260k-')), `stories260K-${format}`);
      const args = [
        'convert',
        '--from',
        'llama2c',
        '--checkpoint',
        STORIES260K_CHECKPOINT,
        '--tokenizer',
        STORIES260K_TOKENIZER,
      ];
      args.push('--out', out, '--format', format, ...(bits === undefined ? [] : ['--bits', String(bits)]));
      const run = await runCliProcess(args);
      if (run.code !== 0)
        throw new Error(`minichat convert failed with exit code ${run.code}:\n${run.stderr}`);
      return run.stdout.trim();
    })();
    converted.set(key, directory);
  }
  return directory;
}
