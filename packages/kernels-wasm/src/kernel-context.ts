import type { WasmHeap } from './heap.js';
import { JOB_ARG_SLOTS, JOB_BYTES, RANGES_PER_THREAD } from './kernel-ops.js';
import type { ThreadPool } from './thread-pool.js';

/** The kernel memory, the thread pool and the job block that every op goes through. */
export class KernelContext {
  private readonly jobOffset: number;
  private readonly scratch = new Map<string, { offset: number; bytes: number }>();

  /**
   * @param chunkBlocks Blocks of one group that share an activation scale on the integer path, as the
   *   kernel module defines it (`CHUNK_BLOCKS`, read through its `chunk_blocks` export).
   * @param readAheadBytes Bytes past an EXL2 layer's codes that one-row products read, so every code
   *   allocation has them spare (`READ_AHEAD_BYTES`, read through the `read_ahead_bytes` export).
   */
  constructor(
    readonly heap: WasmHeap,
    readonly pool: ThreadPool,
    readonly chunkBlocks: number,
    readonly readAheadBytes: number,
  ) {
    this.jobOffset = heap.allocate(JOB_BYTES, 'job block');
  }

  /**
   * Runs kernel `kernel` over `items` work items with int32 `args` (pass f32 values through
   * {@link floatBits}). With `parallel`, the items are split across every thread.
   */
  run(op: string, kernel: number, items: number, args: readonly number[], parallel: boolean): void {
    const ints = this.heap.ints();
    const base = this.jobOffset / 4;
    ints[base] = kernel;
    ints[base + 1] = items;
    for (let i = 0; i < JOB_ARG_SLOTS; i++) ints[base + 2 + i] = args[i] ?? 0;
    // The shared cursor of the next free item and the items per range (see `Job` in csrc/common.h).
    ints[base + 2 + JOB_ARG_SLOTS] = 0;
    ints[base + 3 + JOB_ARG_SLOTS] = Math.max(1, Math.ceil(items / (this.pool.threads * RANGES_PER_THREAD)));
    this.pool.run(op, this.jobOffset, parallel);
  }

  /**
   * Returns a reusable scratch block named `name` of at least `bytes` bytes, replacing it with a larger
   * one when needed. Its contents are undefined between ops.
   */
  scratchBlock(name: string, bytes: number): number {
    const current = this.scratch.get(name);
    if (current !== undefined && current.bytes >= bytes) return current.offset;
    if (current !== undefined) this.heap.release(current.offset, current.bytes);
    const offset = this.heap.allocate(bytes, `${name} scratch`);
    this.scratch.set(name, { offset, bytes });
    return offset;
  }
}

const conversion = new DataView(new ArrayBuffer(4));

/** Returns the bit pattern of `value` as an f32, for passing floats through int32 job arguments. */
export function floatBits(value: number): number {
  conversion.setFloat32(0, value, true);
  return conversion.getInt32(0, true);
}
