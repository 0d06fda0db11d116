import { open, rename, rm } from 'node:fs/promises';
import { GgufWriteError } from '../errors.js';
import { encodeGgufHeader, type GgufTensorInfo } from './header.js';
import type { GgufMetadataEntry } from './types.js';

/** A tensor whose bytes are produced only when the writer reaches it, so one tensor is in memory at a time. */
export interface GgufTensorToWrite extends GgufTensorInfo {
  /** Produces the tensor's bytes in its ggml type's layout. */
  data(): Uint8Array | Promise<Uint8Array>;
}

/** Options of {@link writeGgufFile}. */
export interface WriteGgufFileOptions {
  /** Called after each tensor is written. Default: none. */
  onTensor?: (event: { name: string; index: number; count: number }) => void;
  /** Aborts between tensors; the partial file is deleted. Default: none. */
  signal?: AbortSignal;
}

/**
 * Writes a GGUF file: the header from {@link encodeGgufHeader}, then each tensor's bytes at its aligned
 * offset. It writes to `<path>.partial` and renames at the end, so an interrupted write leaves no
 * truncated file at `path`. Returns the file size in bytes.
 */
export async function writeGgufFile(
  path: string,
  metadata: readonly GgufMetadataEntry[],
  tensors: readonly GgufTensorToWrite[],
  options: WriteGgufFileOptions = {},
): Promise<number> {
  const layout = encodeGgufHeader(metadata, tensors);
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  let position = layout.header.length;
  try {
    await file.write(layout.header, 0, layout.header.length, 0);
    const dataStart = layout.header.length;
    for (const [index, tensor] of tensors.entries()) {
      options.signal?.throwIfAborted();
      const bytes = await tensor.data();
      if (bytes.length !== layout.byteLengths[index]) {
        throw new GgufWriteError(
          `Tensor ${tensor.name} produced ${bytes.length} bytes but ${tensor.type} [${tensor.dims.join(', ')}] ` +
            `needs ${layout.byteLengths[index]}.`,
          tensor.name,
        );
      }
      position = dataStart + layout.offsets[index]!;
      await file.write(bytes, 0, bytes.length, position);
      position += bytes.length;
      options.onTensor?.({ name: tensor.name, index, count: tensors.length });
    }
    // Pad the last tensor so the file length is a multiple of the alignment, as ggml's writer does.
    const padding = (layout.alignment - (position % layout.alignment)) % layout.alignment;
    if (padding > 0) await file.write(new Uint8Array(padding), 0, padding, position);
    position += padding;
  } catch (error) {
    await file.close();
    await rm(partial, { force: true });
    throw error;
  }
  await file.close();
  await rename(partial, path);
  return position;
}
