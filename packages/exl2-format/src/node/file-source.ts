import { open } from 'node:fs/promises';
import { type ByteSource, checkReadLength, checkReadRange, throwIfAborted } from '../byte-source.js';
import { ByteSourceError } from '../errors.js';

/** A {@link ByteSource} over an open file handle; close it when done. */
export interface FileByteSource extends ByteSource {
  /** Closes the file handle; later reads reject. */
  close(): Promise<void>;
}

/**
 * Opens a file for positional reads. Each read fetches only the requested range, so reading a
 * header or one layer of a multi-gigabyte model keeps memory use small.
 */
export async function fileSource(path: string): Promise<FileByteSource> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ByteSourceError(`Cannot open ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  const { size } = await handle.stat();
  const source: FileByteSource = {
    size,
    name: path,
    async read(offset, length, signal) {
      throwIfAborted(signal);
      checkReadRange(source, offset, length);
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      checkReadLength(source, offset, length, done);
      return bytes;
    },
    close: () => handle.close(),
  };
  return source;
}
