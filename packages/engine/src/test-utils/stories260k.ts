import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertLlama2c } from '@minichat/exl2-format/node';
import type { Model } from '@minichat/runtime';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { loadModelFromDirectory } from '@minichat/runtime/node';

/** Fixture directory, from the shared vitest configuration. */
export const FIXTURES = process.env.MINICHAT_FIXTURES ?? '/work/shared/fixtures';

/**
 * Converts the stories260K llama2.c checkpoint and its tokenizer into a temporary HF-layout directory
 * with the format package's converter, and loads it on the CPU backend with an f32 KV cache. Call
 * `cleanup` to dispose the model and delete the directory.
 */
export async function loadStories260k(): Promise<{ model: Model; cleanup: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'minichat-engine-stories260k-'));
  try {
    await convertLlama2c({
      checkpoint: join(FIXTURES, 'llama2c', 'stories260K.bin'),
      tokenizer: join(FIXTURES, 'llama2c', 'tok512.bin'),
      outDir: directory,
    });
    const model = await loadModelFromDirectory(directory, {
      backend: createCpuBackend(),
      kvCacheDtype: 'f32',
    });
    return {
      model,
      cleanup: async () => {
        model.dispose();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
