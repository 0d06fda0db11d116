import { ByteSourceError } from './errors.js';

/**
 * Random-access bytes: a file, a `Blob`, an HTTP resource or memory. Readers only ever request
 * ranges, so a multi-gigabyte model is never held in memory as a whole.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Name used in error messages (file name or URL). */
  readonly name?: string;
  /**
   * Reads exactly `length` bytes starting at `offset`. Rejects with a {@link ByteSourceError}
   * when the range lies outside the source or fewer bytes arrive.
   */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Throws unless `[offset, offset + length)` is a valid range of `source`. */
export function checkReadRange(source: ByteSource, offset: number, length: number): void {
  const valid = Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0;
  if (!valid || offset + length > source.size) {
    throw new ByteSourceError(
      `Cannot read ${length} bytes at offset ${offset} from ${source.name ?? 'a source'} of ${source.size} bytes: the range is outside the source.`,
      {
        file: source.name,
        expected: `range inside [0, ${source.size})`,
        actual: `[${offset}, ${offset + length})`,
      },
    );
  }
}

/** Throws the standard abort error when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/** Throws when a read returned another byte count than requested: a truncated file or a faulty server. */
export function checkReadLength(source: ByteSource, offset: number, length: number, got: number): void {
  if (got !== length) {
    throw new ByteSourceError(
      `Read from ${source.name ?? 'a source'} returned ${got} bytes at offset ${offset}; expected ${length}. The file is truncated, changed while reading, or the server ignored the requested range.`,
      { file: source.name, expected: `${length} bytes`, actual: `${got} bytes` },
    );
  }
}

/** Wraps bytes already in memory as a {@link ByteSource}; reads return views, not copies. */
export function bytesSource(bytes: Uint8Array, name = 'memory'): ByteSource {
  const source: ByteSource = {
    size: bytes.byteLength,
    name,
    async read(offset, length, signal) {
      throwIfAborted(signal);
      checkReadRange(source, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
  return source;
}

/** Wraps a browser `Blob` or `File`; each read slices the blob, so only the range is loaded. */
export function blobSource(blob: Blob, name?: string): ByteSource {
  const fileName = name ?? (typeof File !== 'undefined' && blob instanceof File ? blob.name : 'blob');
  const source: ByteSource = {
    size: blob.size,
    name: fileName,
    async read(offset, length, signal) {
      throwIfAborted(signal);
      checkReadRange(source, offset, length);
      const buffer = await blob.slice(offset, offset + length).arrayBuffer();
      throwIfAborted(signal);
      checkReadLength(source, offset, length, buffer.byteLength);
      return new Uint8Array(buffer);
    },
  };
  return source;
}
