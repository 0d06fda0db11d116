import { WasmMemoryLimitError } from './errors.js';

/** wasm32 addresses at most 65536 pages of 64 KiB. */
export const WASM_PAGE_BYTES = 65536;
/** The largest memory a wasm32 module can address: 4 GiB. */
export const WASM32_MAX_MEMORY_BYTES = 65536 * WASM_PAGE_BYTES;
/** Alignment of every allocation: one cache line, which also keeps v128 loads aligned. */
const ALIGNMENT = 64;

interface FreeBlock {
  offset: number;
  bytes: number;
}

/**
 * A first-fit allocator over a WebAssembly memory, kept on the JavaScript side so the kernels need no
 * allocator of their own. Free blocks are coalesced; memory grows on demand and never shrinks (wasm memory
 * cannot), but freed space is reused.
 */
export class WasmHeap {
  private readonly free: FreeBlock[] = [];
  private top: number;
  /** End of the memory ever handed out; above it the memory is still zero from `grow`. */
  private highWater: number;
  private used = 0;
  private cachedBuffer: ArrayBufferLike | undefined;
  private cachedBytes: Uint8Array | undefined;
  private cachedFloats: Float32Array | undefined;
  private cachedInts: Int32Array | undefined;
  private cachedHalves: Uint16Array | undefined;

  constructor(
    readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = alignUp(heapBase);
    this.highWater = this.top;
  }

  /** Bytes currently allocated. */
  get usedBytes(): number {
    return this.used;
  }

  /** Allocates `bytes` bytes (zeroed) and returns their offset; throws {@link WasmMemoryLimitError} when full. */
  allocate(bytes: number, label: string): number {
    const size = alignUp(Math.max(bytes, 1));
    const index = this.free.findIndex((block) => block.bytes >= size);
    let offset: number;
    if (index >= 0) {
      const block = this.free[index]!;
      offset = block.offset;
      if (block.bytes === size) this.free.splice(index, 1);
      else {
        block.offset += size;
        block.bytes -= size;
      }
      this.bytes().fill(0, offset, offset + size);
    } else {
      offset = this.top;
      this.ensureCapacity(offset + size, size, label);
      this.top += size;
      // Blocks released at the top lowered `top`, so part of this block may hold old data.
      if (offset < this.highWater) this.bytes().fill(0, offset, Math.min(this.top, this.highWater));
      this.highWater = Math.max(this.highWater, this.top);
    }
    this.used += size;
    return offset;
  }

  /** Returns a block from {@link WasmHeap.allocate} to the free list. */
  release(offset: number, bytes: number): void {
    const size = alignUp(Math.max(bytes, 1));
    this.used -= size;
    let index = this.free.findIndex((block) => block.offset > offset);
    if (index < 0) index = this.free.length;
    this.free.splice(index, 0, { offset, bytes: size });
    // Merge with the next block, then with the previous one.
    const next = this.free[index + 1];
    if (next !== undefined && offset + size === next.offset) {
      this.free[index]!.bytes += next.bytes;
      this.free.splice(index + 1, 1);
    }
    const previous = this.free[index - 1];
    if (previous !== undefined && previous.offset + previous.bytes === offset) {
      previous.bytes += this.free[index]!.bytes;
      this.free.splice(index, 1);
      index -= 1;
    }
    const last = this.free[this.free.length - 1];
    if (last !== undefined && last.offset + last.bytes === this.top) {
      this.top = last.offset;
      this.free.pop();
    }
  }

  /** Returns a byte view of the whole memory, refreshed after the memory grows. */
  bytes(): Uint8Array {
    this.refresh();
    return this.cachedBytes!;
  }

  /** Returns an f32 view of the whole memory. */
  floats(): Float32Array {
    this.refresh();
    return this.cachedFloats!;
  }

  /** Returns an int32 view of the whole memory. */
  ints(): Int32Array {
    this.refresh();
    return this.cachedInts!;
  }

  /** Returns a uint16 view of the whole memory. */
  halves(): Uint16Array {
    this.refresh();
    return this.cachedHalves!;
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.cachedBuffer && this.cachedBytes!.byteLength === buffer.byteLength) return;
    this.cachedBuffer = buffer;
    this.cachedBytes = new Uint8Array(buffer);
    this.cachedFloats = new Float32Array(buffer);
    this.cachedInts = new Int32Array(buffer);
    this.cachedHalves = new Uint16Array(buffer);
  }

  private ensureCapacity(end: number, requested: number, label: string): void {
    const current = this.memory.buffer.byteLength;
    if (end <= current) return;
    if (end > WASM32_MAX_MEMORY_BYTES) {
      throw new WasmMemoryLimitError(label, requested, this.used, WASM32_MAX_MEMORY_BYTES);
    }
    // Grow by at least an eighth of the current size so many small allocations grow rarely.
    const neededPages = Math.ceil((end - current) / WASM_PAGE_BYTES);
    const maxPages = WASM32_MAX_MEMORY_BYTES / WASM_PAGE_BYTES - current / WASM_PAGE_BYTES;
    const pages = Math.min(maxPages, Math.max(neededPages, Math.ceil(current / WASM_PAGE_BYTES / 8)));
    try {
      this.memory.grow(pages);
    } catch (error) {
      throw new WasmMemoryLimitError(label, requested, this.used, WASM32_MAX_MEMORY_BYTES, error);
    }
  }
}

function alignUp(value: number): number {
  return Math.ceil(value / ALIGNMENT) * ALIGNMENT;
}
