import {
  WebGpuCapacityError,
  WebGpuDeviceError,
  WebGpuDeviceLostError,
  WebGpuDisposedError,
} from '../errors.js';
import {
  BufferUsage,
  MAP_MODE_READ,
  PARAM_ARENA_BYTES,
  PARAM_BLOCK_BYTES,
  SHADER_STAGE_COMPUTE,
  STORAGE_USAGE,
} from './constants.js';
import { type Kernel, kernelKey } from './kernel.js';
import { TimestampRecorder } from './timestamps.js';

/** A slice of the parameter arena that one dispatch reads. Write the fields, then dispatch. */
export interface ParamBlock {
  /** Byte offset inside the arena (the dynamic offset of binding 0). */
  readonly offset: number;
  /** The block as 32-bit unsigned words. */
  readonly u32: Uint32Array;
  /** The same bytes as 32-bit floats. */
  readonly f32: Float32Array;
}

/** Options of {@link GpuContext}. */
export interface GpuContextOptions {
  /** Receives the WGSL of each pipeline when it is compiled. Default: none. */
  dumpWgsl?: ((label: string, code: string) => void) | undefined;
  /** Records per-kernel GPU timings when the device has `timestamp-query`. Default: false. */
  timestamps?: boolean | undefined;
  /** Caps the storage binding size below the device's limit. Default: the device's limit. */
  maxStorageBufferBindingSize?: number | undefined;
}

interface CompiledKernel {
  key: string;
  name: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * Records compute work on one device and submits it in as few command buffers as possible.
 *
 * Dispatches are appended to one open command encoder. Their parameters go to a host-side arena that is
 * uploaded with a single `writeBuffer` right before the submission, so a decode step costs one
 * `writeBuffer` and one `submit` and allocates no GPU memory. Work is submitted when a result is read,
 * when the arena is full, or on {@link GpuContext.flush}.
 */
export class GpuContext {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  /** Largest storage binding in bytes (and so the largest tensor part). */
  readonly maxBindingBytes: number;
  /** Largest buffer in bytes. */
  readonly maxBufferBytes: number;
  /** Settles with a typed error when the device is lost. */
  readonly lost: Promise<WebGpuDeviceLostError>;

  private readonly dumpWgsl: ((label: string, code: string) => void) | undefined;
  private readonly kernels = new Map<string, CompiledKernel>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;

  private readonly arenaHost = new ArrayBuffer(PARAM_ARENA_BYTES + PARAM_BLOCK_BYTES);
  private readonly arenaU32 = new Uint32Array(this.arenaHost);
  private readonly arenaF32 = new Float32Array(this.arenaHost);
  private readonly arena: GPUBuffer;
  private arenaUsed = 0;
  private readonly offsetAlignment: number;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly timestamps: TimestampRecorder | null;

  private readbackBuffer: GPUBuffer | null = null;
  private readChain: Promise<unknown> = Promise.resolve();
  private firstError: WebGpuDeviceError | null = null;
  private lostError: WebGpuDeviceLostError | null = null;
  private disposed = false;
  private readonly owned = new Set<GPUBuffer>();

  constructor(device: GPUDevice, options: GpuContextOptions = {}) {
    this.device = device;
    this.limits = device.limits;
    this.maxBindingBytes = Math.min(
      device.limits.maxStorageBufferBindingSize,
      options.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY,
    );
    this.maxBufferBytes = device.limits.maxBufferSize;
    this.offsetAlignment = device.limits.minStorageBufferOffsetAlignment;
    this.dumpWgsl = options.dumpWgsl;

    this.arena = device.createBuffer({
      label: 'minichat parameter arena',
      size: PARAM_ARENA_BYTES + PARAM_BLOCK_BYTES,
      usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
    });
    this.timestamps =
      options.timestamps && device.features.has('timestamp-query') ? new TimestampRecorder(device) : null;

    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      if (this.firstError !== null) return;
      // The error classes are globals only in browsers, so the kind is read from the constructor name.
      const className = error.constructor?.name ?? '';
      const kind = className.includes('OutOfMemory')
        ? 'out-of-memory'
        : className.includes('Validation')
          ? 'validation'
          : 'internal';
      this.firstError = new WebGpuDeviceError(kind, error.message);
    });
    this.lost = device.lost.then((info) => {
      this.lostError = new WebGpuDeviceLostError(info.reason, info.message);
      return this.lostError;
    });
  }

  /** Whether per-kernel timings are being recorded. */
  get timingEnabled(): boolean {
    return this.timestamps !== null;
  }

  /** Throws when the device is lost, the context disposed, or the device reported an error. */
  check(): void {
    if (this.lostError) throw this.lostError;
    if (this.disposed) throw new WebGpuDisposedError('This WebGPU backend was disposed; create a new one.');
    if (this.firstError) {
      const error = this.firstError;
      this.firstError = null;
      throw error;
    }
  }

  /**
   * Creates a storage buffer of at least `bytes` bytes (rounded up to 4), checked against
   * {@link GpuContext.maxBindingBytes}, or against the device's own limit for the backend's small
   * bookkeeping buffers (`internal`).
   */
  createStorageBuffer(label: string, bytes: number, internal = false): GPUBuffer {
    this.check();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const limit = internal ? this.limits.maxStorageBufferBindingSize : this.maxBindingBytes;
    if (size > limit) {
      throw new WebGpuCapacityError(
        label,
        size,
        limit,
        'the tensor part exceeds maxStorageBufferBindingSize; use fewer rows per activation or a device with a larger limit',
      );
    }
    const buffer = this.device.createBuffer({ label, size, usage: STORAGE_USAGE });
    this.owned.add(buffer);
    return buffer;
  }

  /** Destroys a buffer this context created, after the recorded work that uses it is submitted. */
  destroyBuffer(buffer: GPUBuffer): void {
    if (!this.owned.delete(buffer)) return;
    this.flush();
    buffer.destroy();
    this.bindGroups.clear();
  }

  /**
   * Writes host data into a buffer. Work recorded so far is submitted first, so the write lands after
   * it in queue order, as the backend's callers expect.
   */
  write(buffer: GPUBuffer, byteOffset: number, data: ArrayBufferView<ArrayBuffer>): void {
    this.check();
    if (this.encoder) this.flush();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Reserves a parameter block of `words` 32-bit words for the next dispatch. */
  params(words: number): ParamBlock {
    const bytes = words * 4;
    if (bytes > PARAM_BLOCK_BYTES) {
      throw new RangeError(
        `A parameter block of ${bytes} bytes exceeds PARAM_BLOCK_BYTES (${PARAM_BLOCK_BYTES})`,
      );
    }
    if (this.arenaUsed + bytes > PARAM_ARENA_BYTES) this.flush();
    const offset = this.arenaUsed;
    this.arenaUsed += Math.ceil(bytes / this.offsetAlignment) * this.offsetAlignment;
    const first = offset / 4;
    this.arenaU32.fill(0, first, first + words);
    return {
      offset,
      u32: this.arenaU32.subarray(first, first + words),
      f32: this.arenaF32.subarray(first, first + words),
    };
  }

  /**
   * Records one dispatch of `kernel` for `spec` with `workgroupCount` workgroups, split over two
   * dimensions when the count exceeds the per-dimension limit.
   */
  dispatch<S extends object>(
    kernel: Kernel<S>,
    spec: S,
    params: ParamBlock,
    buffers: readonly GPUBuffer[],
    workgroupCount: number,
  ): void {
    this.check();
    if (workgroupCount <= 0) return;
    const compiled = this.pipeline(kernel, spec);
    const bindGroup = this.bindGroup(compiled, buffers);
    const maxPerDimension = this.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(workgroupCount, maxPerDimension);
    const y = Math.ceil(workgroupCount / x);

    const pass = this.openPass(compiled.name);
    pass.setPipeline(compiled.pipeline);
    pass.setBindGroup(0, bindGroup, [params.offset]);
    pass.dispatchWorkgroups(x, y, 1);
    if (this.timestamps) this.closePass();
  }

  /** Records a buffer-to-buffer copy in queue order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.check();
    if (bytes === 0) return;
    this.closePass();
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Submits every recorded dispatch and copy. */
  flush(): void {
    if (this.encoder === null && this.arenaUsed === 0) return;
    this.closePass();
    const encoder = this.openEncoder();
    this.timestamps?.resolve(encoder);
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, this.arenaUsed);
      this.arenaUsed = 0;
    }
    this.device.queue.submit([encoder.finish()]);
    this.encoder = null;
    this.timestamps?.afterSubmit();
  }

  /** Submits recorded work and copies `bytes` bytes of `buffer` from `byteOffset` back to the host. */
  read(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    const run = async (): Promise<ArrayBuffer> => {
      this.check();
      const staging = this.stagingBuffer(bytes);
      this.copy(buffer, byteOffset, staging, 0, bytes);
      this.flush();
      try {
        await staging.mapAsync(MAP_MODE_READ, 0, bytes);
      } catch (cause) {
        this.check();
        throw new WebGpuDeviceError('internal', `mapping the read-back buffer failed: ${String(cause)}`, {
          cause,
        });
      }
      const copy = staging.getMappedRange(0, bytes).slice(0);
      staging.unmap();
      this.check();
      return copy;
    };
    const result = this.readChain.then(run, run);
    this.readChain = result.catch(() => undefined);
    return result;
  }

  /** Submits recorded work and waits until the device has run it. */
  async synchronize(): Promise<void> {
    this.check();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.readChain;
    this.check();
  }

  /** Per-kernel GPU time in milliseconds since the last call, when timings are on. */
  async takeTimings(): Promise<Map<string, { calls: number; milliseconds: number }>> {
    await this.synchronize();
    return this.timestamps ? this.timestamps.take() : new Map();
  }

  /** Destroys every buffer this context created. The device itself belongs to the caller. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pass = null;
    this.encoder = null;
    for (const buffer of this.owned) buffer.destroy();
    this.owned.clear();
    this.arena.destroy();
    this.readbackBuffer?.destroy();
    this.timestamps?.dispose();
    this.bindGroups.clear();
    this.kernels.clear();
  }

  private openEncoder(): GPUCommandEncoder {
    if (this.encoder === null) this.encoder = this.device.createCommandEncoder({ label: 'minichat step' });
    return this.encoder;
  }

  private openPass(label: string): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    const encoder = this.openEncoder();
    let timestampWrites: GPUComputePassTimestampWrites | undefined;
    if (this.timestamps) {
      if (this.timestamps.full) {
        this.flush();
        return this.openPass(label);
      }
      timestampWrites = this.timestamps.next(label);
    }
    this.pass = encoder.beginComputePass(timestampWrites ? { label, timestampWrites } : { label });
    return this.pass;
  }

  private closePass(): void {
    if (this.pass === null) return;
    this.pass.end();
    this.pass = null;
  }

  private stagingBuffer(bytes: number): GPUBuffer {
    if (this.readbackBuffer === null || this.readbackBuffer.size < bytes) {
      this.readbackBuffer?.destroy();
      const size = Math.max(4096, 2 ** Math.ceil(Math.log2(bytes)));
      this.readbackBuffer = this.device.createBuffer({
        label: 'minichat read-back',
        size,
        usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
      });
    }
    return this.readbackBuffer;
  }

  private pipeline<S extends object>(kernel: Kernel<S>, spec: S): CompiledKernel {
    const key = kernelKey(kernel.name, spec);
    const cached = this.kernels.get(key);
    if (cached) return cached;

    const code = kernel.wgsl(spec);
    this.dumpWgsl?.(key, code);
    const entries: GPUBindGroupLayoutEntry[] = [
      {
        binding: 0,
        visibility: SHADER_STAGE_COMPUTE,
        buffer: { type: 'read-only-storage', hasDynamicOffset: true, minBindingSize: 0 },
      },
    ];
    kernel.bindings(spec).forEach((access, index) => {
      entries.push({
        binding: index + 1,
        visibility: SHADER_STAGE_COMPUTE,
        buffer: { type: access === 'read' ? 'read-only-storage' : 'storage' },
      });
    });
    const layout = this.device.createBindGroupLayout({ label: key, entries });
    const module = this.device.createShaderModule({ label: key, code });
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ label: key, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const compiled = { key, name: kernel.name, pipeline, layout };
    this.kernels.set(key, compiled);
    return compiled;
  }

  private bindGroup(compiled: CompiledKernel, buffers: readonly GPUBuffer[]): GPUBindGroup {
    const ids = buffers.map((buffer) => this.bufferId(buffer));
    const key = `${compiled.key}|${ids.join(',')}`;
    const cached = this.bindGroups.get(key);
    if (cached) return cached;
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset: 0, size: PARAM_BLOCK_BYTES } },
    ];
    buffers.forEach((buffer, index) => {
      entries.push({ binding: index + 1, resource: { buffer } });
    });
    const group = this.device.createBindGroup({ label: compiled.key, layout: compiled.layout, entries });
    this.bindGroups.set(key, group);
    return group;
  }

  private bufferId(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(buffer, id);
    }
    return id;
  }
}
