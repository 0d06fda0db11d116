import type {
  Activation,
  DenseWeightData,
  EmbeddingTable,
  Exl2GroupData,
  KvCache,
  KvCacheSpec,
  LinearWeight,
  StorageDType,
  WeightVector,
} from '../interface.js';

/** Common part of every CPU handle: the owning backend and whether it was released. */
abstract class CpuResource {
  released = false;
  constructor(readonly owner: symbol) {}
}

/** An f32 activation matrix in host memory, row-major `[rows, cols]`. */
export class CpuActivation extends CpuResource implements Activation {
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

/** A norm weight or other vector. */
export class CpuVector extends CpuResource implements WeightVector {
  constructor(
    owner: symbol,
    readonly data: Float32Array,
  ) {
    super(owner);
  }
  get length(): number {
    return this.data.length;
  }
}

/** An embedding table; f16 tables stay f16 and are widened row by row. */
export class CpuEmbedding extends CpuResource implements EmbeddingTable {
  constructor(
    owner: symbol,
    readonly vocabSize: number,
    readonly dim: number,
    readonly dtype: StorageDType,
    readonly data: Float32Array | Uint16Array,
  ) {
    super(owner);
  }
}

/** A dense linear layer kept in PyTorch orientation `[outFeatures, inFeatures]`. */
export class CpuDenseLinear extends CpuResource implements LinearWeight {
  readonly kind = 'dense';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly dtype: StorageDType;
  readonly data: Float32Array | Uint16Array;
  constructor(owner: symbol, weight: DenseWeightData) {
    super(owner);
    this.inFeatures = weight.inFeatures;
    this.outFeatures = weight.outFeatures;
    this.dtype = weight.dtype;
    this.data = weight.data;
  }
}

/** An EXL2 linear layer kept in the packed file layout, without a copy. */
export class CpuExl2Linear extends CpuResource implements LinearWeight {
  readonly kind = 'exl2';
  constructor(
    owner: symbol,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly paddedOutFeatures: number,
    readonly qWeight: Uint32Array,
    readonly groups: readonly Exl2GroupData[],
    readonly qScale: Uint32Array,
    readonly qScaleMax: Uint16Array,
    readonly perm: Uint32Array,
    readonly bias: Float32Array | undefined,
  ) {
    super(owner);
  }
}

/** One linear layer of either kind. */
export type CpuLinear = CpuDenseLinear | CpuExl2Linear;

/** Keys and values of every layer, `[layer][position][numKvHeads * headDim]`. */
export class CpuKvCache extends CpuResource implements KvCache {
  readonly keys: (Float32Array | Uint16Array)[];
  readonly values: (Float32Array | Uint16Array)[];
  constructor(
    owner: symbol,
    readonly spec: KvCacheSpec,
  ) {
    super(owner);
    const perLayer = spec.maxSequenceLength * spec.numKvHeads * spec.headDim;
    const make = () => (spec.dtype === 'f16' ? new Uint16Array(perLayer) : new Float32Array(perLayer));
    this.keys = Array.from({ length: spec.numLayers }, make);
    this.values = Array.from({ length: spec.numLayers }, make);
  }
}
