import type { GpuContext } from '../gpu/context.js';
import { buildRopeTable } from '../kernels/rope/table.js';

/** Smallest number of positions a table is built for, so short prompts do not rebuild it often. */
const MIN_POSITIONS = 1024;

/**
 * RoPE angle tables on the device, one per (theta, headDim). A table grows (to twice its size or more)
 * when a call reaches a position past its end, so decoding rebuilds it a handful of times at most.
 */
export class RopeTables {
  private readonly tables = new Map<string, { buffer: GPUBuffer; positions: number }>();

  constructor(private readonly context: GpuContext) {}

  /** Returns the table for `theta` and `headDim` covering positions `0..positions`. */
  ensure(theta: number, headDim: number, positions: number): GPUBuffer {
    const key = `${theta}:${headDim}`;
    const existing = this.tables.get(key);
    if (existing && existing.positions >= positions) return existing.buffer;
    const capacity = Math.max(positions, MIN_POSITIONS, 2 * (existing?.positions ?? 0));
    if (existing) this.context.destroyBuffer(existing.buffer);
    const table = buildRopeTable(capacity, headDim, theta);
    const buffer = this.context.createStorageBuffer(
      `rope table theta=${theta} headDim=${headDim}`,
      table.byteLength,
    );
    this.context.write(buffer, 0, table);
    this.tables.set(key, { buffer, positions: capacity });
    return buffer;
  }
}
