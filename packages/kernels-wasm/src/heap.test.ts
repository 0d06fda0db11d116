import { describe, expect, test } from 'vitest';
import { WasmMemoryLimitError } from './errors.js';
import { WASM32_MAX_MEMORY_BYTES, WasmHeap } from './heap.js';

function createHeap(): WasmHeap {
  return new WasmHeap(new WebAssembly.Memory({ initial: 1, maximum: 65536 }), 1000);
}

describe('WasmHeap', () => {
  test('aligns allocations to 64 bytes above the heap base', () => {
    const heap = createHeap();
    expect(heap.allocate(10, 'a')).toBe(1024);
    expect(heap.allocate(100, 'b')).toBe(1088);
    expect(heap.usedBytes).toBe(64 + 128);
  });

  test('reuses and merges released blocks', () => {
    const heap = createHeap();
    const a = heap.allocate(64, 'a');
    const b = heap.allocate(64, 'b');
    const c = heap.allocate(64, 'c');
    heap.allocate(64, 'guard');
    heap.release(a, 64);
    heap.release(c, 64);
    heap.release(b, 64);
    // a, b and c merged into one 192-byte block.
    expect(heap.allocate(192, 'd')).toBe(a);
  });

  test('zeroes reused memory', () => {
    const heap = createHeap();
    const a = heap.allocate(64, 'a');
    heap.allocate(64, 'guard');
    heap.bytes().fill(7, a, a + 64);
    heap.release(a, 64);
    const b = heap.allocate(64, 'b');
    expect(
      heap
        .bytes()
        .subarray(b, b + 64)
        .every((byte) => byte === 0),
    ).toBe(true);
  });

  test('zeroes memory released at the top', () => {
    const heap = createHeap();
    const a = heap.allocate(128, 'a');
    heap.bytes().fill(7, a, a + 128);
    heap.release(a, 128);
    const b = heap.allocate(256, 'b');
    expect(b).toBe(a);
    expect(
      heap
        .bytes()
        .subarray(b, b + 256)
        .every((byte) => byte === 0),
    ).toBe(true);
  });

  test('grows the memory on demand', () => {
    const heap = createHeap();
    const offset = heap.allocate(200_000, 'big');
    expect(heap.memory.buffer.byteLength).toBeGreaterThanOrEqual(offset + 200_000);
    expect(heap.floats().length * 4).toBe(heap.memory.buffer.byteLength);
  });

  test('rejects more than 4 GiB', () => {
    const heap = createHeap();
    expect(() => heap.allocate(WASM32_MAX_MEMORY_BYTES, 'weights')).toThrow(WasmMemoryLimitError);
    expect(() => heap.allocate(WASM32_MAX_MEMORY_BYTES, 'weights')).toThrow(
      /Failed to allocate 4294967296 bytes for weights/,
    );
  });
});
