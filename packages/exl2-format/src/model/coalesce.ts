import type { TensorLocation } from './shards.js';

/** Largest gap between two small tensors that one read may span instead of two requests. */
export const MAX_COALESCE_GAP_BYTES = 64 * 1024;

/** Largest single coalesced read; keeps memory bounded when many small tensors are scattered. */
export const MAX_COALESCE_SPAN_BYTES = 8 * 1024 * 1024;

/**
 * Reads many small tensors with few range requests by merging ranges that lie close together
 * in the same file. This matters for HTTP sources, where each request costs a round trip.
 */
export async function readCoalesced(
  locations: readonly TensorLocation[],
  signal?: AbortSignal,
): Promise<Map<string, Uint8Array>> {
  const result = new Map<string, Uint8Array>();
  const byFile = new Map<TensorLocation['file'], TensorLocation[]>();
  for (const location of locations) {
    const list = byFile.get(location.file) ?? [];
    list.push(location);
    byFile.set(location.file, list);
  }
  for (const [file, list] of byFile) {
    list.sort((a, b) => a.info.byteOffset - b.info.byteOffset);
    let start = 0;
    while (start < list.length) {
      const first = list[start]!.info;
      let end = start + 1;
      let spanEnd = first.byteOffset + first.byteLength;
      while (end < list.length) {
        const next = list[end]!.info;
        const nextEnd = Math.max(spanEnd, next.byteOffset + next.byteLength);
        if (
          next.byteOffset - spanEnd > MAX_COALESCE_GAP_BYTES ||
          nextEnd - first.byteOffset > MAX_COALESCE_SPAN_BYTES
        )
          break;
        spanEnd = nextEnd;
        end++;
      }
      const bytes = await file.source.read(first.byteOffset, spanEnd - first.byteOffset, signal);
      for (let i = start; i < end; i++) {
        const info = list[i]!.info;
        const begin = info.byteOffset - first.byteOffset;
        result.set(info.name, bytes.slice(begin, begin + info.byteLength));
      }
      start = end;
    }
  }
  return result;
}
