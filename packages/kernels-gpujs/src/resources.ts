import type {
  Activation,
  EmbeddingTable,
  KvCache,
  KvCacheSpec,
  LinearWeight,
  WeightVector,
} from '@minichat/runtime';
import type { UnpackedExl2 } from './exl2-unpack.js';
import type { ResidentGrid } from './kernel-runner.js';

/** Fields every resource of this backend has: the backend that made it and whether it was released. */
export abstract class OwnedResource {
  released = false;
  constructor(readonly owner: symbol) {}
}

/** An f32 activation `[rows, cols]` in host memory; kernels read and write it as arguments. */
export class GpuJsActivation extends OwnedResource implements Activation {
  readonly data: Float32Array;
  constructor(
    owner: symbol,
    readonly rows: number,
    readonly cols: number,
  ) {
    super(owner);
    this.data = new Float32Array(rows * cols);
  }
}

/** A weight vector in f32. */
export class GpuJsVector extends OwnedResource implements WeightVector {
  readonly length: number;
  constructor(
    owner: symbol,
    readonly data: Float32Array,
  ) {
    super(owner);
    this.length = data.length;
  }
}

/** An embedding table `[vocabSize, dim]` widened to f32. */
export class GpuJsEmbedding extends OwnedResource implements EmbeddingTable {
  constructor(
    owner: symbol,
    readonly vocabSize: number,
    readonly dim: number,
    readonly table: ResidentGrid,
  ) {
    super(owner);
  }
}

/** A dense layer `[outFeatures, inFeatures]` widened to f32. */
export class GpuJsDenseLinear extends OwnedResource implements LinearWeight {
  readonly kind = 'dense';
  constructor(
    owner: symbol,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly weight: ResidentGrid,
  ) {
    super(owner);
  }
}

/**
 * An EXL2 layer with its codes unpacked into f32 texels (see `UnpackedExl2`). `codes` and `scales` are
 * textures in the WebGL modes, so the host keeps only the per-row arrays.
 */
export class GpuJsExl2Linear extends OwnedResource implements LinearWeight {
  readonly kind = 'exl2';
  constructor(
    owner: symbol,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly texelRows: number,
    readonly rowArrays: Pick<UnpackedExl2, 'inputIndex' | 'zeroPoint' | 'groupIndex' | 'bias'>,
    readonly codes: ResidentGrid,
    readonly scales: ResidentGrid,
  ) {
    super(owner);
  }
}

/**
 * Keys and values `[maxSequenceLength, numKvHeads * headDim]` per layer, in f32. An f16 cache stores
 * values rounded to f16, so it computes what an f16 cache of another backend computes.
 */
export class GpuJsKvCache extends OwnedResource implements KvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  constructor(
    owner: symbol,
    readonly spec: KvCacheSpec,
  ) {
    super(owner);
    const size = spec.maxSequenceLength * spec.numKvHeads * spec.headDim;
    this.keys = Array.from({ length: spec.numLayers }, () => new Float32Array(size));
    this.values = Array.from({ length: spec.numLayers }, () => new Float32Array(size));
  }
}
