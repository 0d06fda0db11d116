import type { GpuContext } from '../gpu/context.js';

/**
 * A storage buffer for intermediate results that grows to the largest size asked for. It grows only
 * when a call needs more than any call before, so steady decoding allocates nothing.
 */
export class ScratchBuffer {
  private buffer: GPUBuffer | null = null;

  constructor(
    private readonly context: GpuContext,
    private readonly label: string,
  ) {}

  /** Returns a buffer of at least `bytes` bytes. */
  ensure(bytes: number): GPUBuffer {
    if (this.buffer !== null && this.buffer.size >= bytes) return this.buffer;
    if (this.buffer !== null) this.context.destroyBuffer(this.buffer);
    this.buffer = null;
    this.buffer = this.context.createStorageBuffer(this.label, bytes);
    return this.buffer;
  }
}
