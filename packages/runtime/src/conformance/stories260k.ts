import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertLlama2c } from '@minichat/exl2-format/node';
import type { Backend, StorageDType } from '../backend/interface.js';
import type { FinishEvent } from '../generation/events.js';
import type { Model } from '../model/model.js';
import { loadModelFromDirectory } from '../node.js';

/** The greedy case of `llama2c/stories260K-expected.json`. */
export interface Stories260kExpected {
  /** Generated ids after BOS. */
  tokens: number[];
  /** Their text as llama2.c prints it. */
  text: string;
}

/** Reads the expected greedy output of stories260K from a fixtures directory. */
export async function readStories260kExpected(fixturesDir: string): Promise<Stories260kExpected> {
  const json = JSON.parse(
    await readFile(join(fixturesDir, 'llama2c', 'stories260K-expected.json'), 'utf8'),
  ) as {
    cases: { name: string; expected_token_ids: number[]; expected_text: string }[];
  };
  const greedy = json.cases.find((c) => c.name === 'greedy_200');
  if (greedy === undefined) throw new Error('stories260K-expected.json has no greedy_200 case.');
  // The expected ids start with the BOS prompt token.
  return { tokens: greedy.expected_token_ids.slice(1), text: greedy.expected_text };
}

/** Storage format of the converted stories260K weights. */
export type Stories260kFormat = 'f32' | 'f16' | 'exl2-8bit';

/**
 * Converts stories260K with the format package's llama2.c converter into a new temporary directory.
 * Call `cleanup` to delete it.
 */
export async function convertStories260k(
  fixturesDir: string,
  format: Stories260kFormat,
): Promise<{ directory: string; cleanup: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), `minichat-stories260k-${format}-`));
  const cleanup = () => rm(directory, { recursive: true, force: true });
  try {
    await convertLlama2c({
      checkpoint: join(fixturesDir, 'llama2c', 'stories260K.bin'),
      tokenizer: join(fixturesDir, 'llama2c', 'tok512.bin'),
      outDir: directory,
      ...(format === 'exl2-8bit' ? { format: 'exl2', bits: 8, headBits: 8 } : { format }),
    });
    return { directory, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Converts stories260K (see {@link convertStories260k}) and loads it on `backend`. Call `cleanup`
 * afterwards to dispose the model and delete the directory.
 */
export async function loadStories260k(
  fixturesDir: string,
  backend: Backend,
  format: Stories260kFormat,
  kvCacheDtype: StorageDType = 'f32',
): Promise<{ model: Model; cleanup: () => Promise<void> }> {
  const converted = await convertStories260k(fixturesDir, format);
  try {
    const model = await loadModelFromDirectory(converted.directory, { backend, kvCacheDtype });
    return {
      model,
      cleanup: async () => {
        model.dispose();
        await converted.cleanup();
      },
    };
  } catch (error) {
    await converted.cleanup();
    throw error;
  }
}

/**
 * Runs llama2.c's test: greedy decoding from BOS for `steps` tokens, stopping early only on BOS (which
 * llama2.c treats as the end of a story).
 */
export async function greedyFromBos(model: Model, steps: number): Promise<FinishEvent> {
  let finish: FinishEvent | undefined;
  const events = model.generate({
    promptTokens: [model.config.bosTokenId],
    maxTokens: steps,
    sampling: { temperature: 0 },
    stopTokens: [1],
  });
  for await (const event of events) if (event.type === 'finish') finish = event;
  return finish!;
}
