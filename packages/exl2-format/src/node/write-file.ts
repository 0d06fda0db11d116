import { open, rename, rm } from 'node:fs/promises';
import {
  type TensorToWrite,
  type WriteSafetensorsOptions,
  type WriteSafetensorsResult,
  writeSafetensors,
} from '../safetensors/writer.js';

/**
 * Writes a safetensors file, streaming tensor by tensor. Data goes to `path + '.partial'`,
 * which is renamed to `path` only after every byte was written, so an interrupted run never
 * leaves a truncated file under the final name.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: readonly TensorToWrite[],
  options: WriteSafetensorsOptions = {},
): Promise<WriteSafetensorsResult> {
  const partial = `${path}.partial`;
  const handle = await open(partial, 'w');
  let result: WriteSafetensorsResult;
  try {
    result = await writeSafetensors(
      {
        async write(chunk) {
          let done = 0;
          while (done < chunk.byteLength) {
            const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done);
            done += bytesWritten;
          }
        },
      },
      tensors,
      options,
    );
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, path);
  return result;
}
