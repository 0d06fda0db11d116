import type {
  Activation,
  EmbeddingTable,
  KvCache,
  KvCacheSpec,
  LinearWeight,
  WeightVector,
} from '@minichat/runtime';
import type { DenseGpuLayout } from '../kernels/dense-matmul/dispatch.js';
import type { EmbeddingLayout } from '../kernels/embed/dispatch.js';
import type { Exl2GpuLayout } from '../kernels/exl2-matmul/dispatch.js';

/** Common part of every handle: the backend that made it and whether it was released. */
abstract class GpuHandle {
  released = false;
  constructor(readonly owner: symbol) {}
  /** Every buffer the handle owns. */
  abstract buffers(): GPUBuffer[];
}

/** An activation `[rows, cols]` in one storage buffer. */
export class GpuActivation extends GpuHandle implements Activation {
  constructor(
    owner: symbol,
    readonly rows: number,
    readonly cols: number,
    readonly buffer: GPUBuffer,
  ) {
    super(owner);
  }
  buffers(): GPUBuffer[] {
    return [this.buffer];
  }
}

/** An f32 vector. */
export class GpuVector extends GpuHandle implements WeightVector {
  constructor(
    owner: symbol,
    readonly length: number,
    readonly buffer: GPUBuffer,
  ) {
    super(owner);
  }
  buffers(): GPUBuffer[] {
    return [this.buffer];
  }
}

/** An embedding table, split by rows over one or more buffers. */
export class GpuEmbedding extends GpuHandle implements EmbeddingTable {
  constructor(
    owner: symbol,
    readonly vocabSize: number,
    readonly dim: number,
    readonly layout: EmbeddingLayout,
  ) {
    super(owner);
  }
  buffers(): GPUBuffer[] {
    return this.layout.parts.map((part) => part.buffer);
  }
}

/** A linear layer: EXL2 codes or dense weights, split by output features where needed. */
export class GpuLinear extends GpuHandle implements LinearWeight {
  constructor(
    owner: symbol,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly layout: { kind: 'exl2'; exl2: Exl2GpuLayout } | { kind: 'dense'; dense: DenseGpuLayout },
  ) {
    super(owner);
  }
  buffers(): GPUBuffer[] {
    if (this.layout.kind === 'dense') return this.layout.dense.parts.map((part) => part.buffer);
    const { exl2 } = this.layout;
    const buffers = [exl2.gatherIndex, exl2.groupTable];
    for (const part of exl2.parts) {
      buffers.push(part.qWeight, part.qScale);
      if (part.bias) buffers.push(part.bias);
    }
    return buffers;
  }
}

/** A key/value cache: one key and one value buffer per layer, `[maxSequenceLength, numKvHeads * headDim]`. */
export class GpuKvCache extends GpuHandle implements KvCache {
  constructor(
    owner: symbol,
    readonly spec: KvCacheSpec,
    readonly keys: GPUBuffer[],
    readonly values: GPUBuffer[],
  ) {
    super(owner);
  }
  buffers(): GPUBuffer[] {
    return [...this.keys, ...this.values];
  }
}

/** Any handle this package creates. */
export type AnyGpuHandle = GpuActivation | GpuVector | GpuEmbedding | GpuLinear | GpuKvCache;
