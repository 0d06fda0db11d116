import { BufferUsage, MAP_MODE_READ, TIMESTAMP_QUERY_CAPACITY } from './constants.js';

/**
 * Collects begin/end timestamps of compute passes and sums them per kernel name.
 *
 * Each submission uses queries from 0 up. After the submission, the resolved values are copied to a
 * mappable buffer and read asynchronously, so recording never waits for the GPU. This mode creates one
 * small read-back buffer per submission.
 */
export class TimestampRecorder {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly labels: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly totals = new Map<string, { calls: number; milliseconds: number }>();
  private readonly device: GPUDevice;

  constructor(device: GPUDevice) {
    this.device = device;
    this.querySet = device.createQuerySet({ type: 'timestamp', count: TIMESTAMP_QUERY_CAPACITY });
    this.resolveBuffer = device.createBuffer({
      label: 'minichat timestamps',
      size: TIMESTAMP_QUERY_CAPACITY * 8,
      usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
    });
  }

  /** Whether every query of this submission is taken. */
  get full(): boolean {
    return this.labels.length * 2 >= TIMESTAMP_QUERY_CAPACITY;
  }

  /** Returns the timestamp writes of the next pass, labelled with its kernel name. */
  next(label: string): GPUComputePassTimestampWrites {
    const index = this.labels.length;
    this.labels.push(label);
    return {
      querySet: this.querySet,
      beginningOfPassWriteIndex: 2 * index,
      endOfPassWriteIndex: 2 * index + 1,
    };
  }

  /** Records the query resolution at the end of a submission's encoder. */
  resolve(encoder: GPUCommandEncoder): void {
    if (this.labels.length === 0) return;
    const count = this.labels.length * 2;
    encoder.resolveQuerySet(this.querySet, 0, count, this.resolveBuffer, 0);
    const readBuffer = this.device.createBuffer({
      label: 'minichat timestamp read-back',
      size: count * 8,
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, readBuffer, 0, count * 8);
    const labels = this.labels.splice(0);
    this.queued = { readBuffer, labels };
  }

  private queued: { readBuffer: GPUBuffer; labels: string[] } | null = null;

  /** Starts reading the timestamps of the submission that just went out. */
  afterSubmit(): void {
    const queued = this.queued;
    if (queued === null) return;
    this.queued = null;
    const read = queued.readBuffer.mapAsync(MAP_MODE_READ).then(() => {
      const ticks = new BigInt64Array(queued.readBuffer.getMappedRange());
      queued.labels.forEach((label, index) => {
        const nanoseconds = Number((ticks[2 * index + 1] ?? 0n) - (ticks[2 * index] ?? 0n));
        const total = this.totals.get(label) ?? { calls: 0, milliseconds: 0 };
        total.calls += 1;
        total.milliseconds += Math.max(0, nanoseconds) / 1e6;
        this.totals.set(label, total);
      });
      queued.readBuffer.unmap();
      queued.readBuffer.destroy();
    });
    this.pending.push(read);
  }

  /** Waits for outstanding reads and returns the totals collected since the last call. */
  async take(): Promise<Map<string, { calls: number; milliseconds: number }>> {
    await Promise.all(this.pending.splice(0));
    const result = new Map(this.totals);
    this.totals.clear();
    return result;
  }

  /** Frees the query set and buffers. */
  dispose(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
