import type {
  Activation,
  EmbeddingTable,
  KvCache,
  KvCacheSpec,
  LinearWeight,
  StorageDType,
  WeightVector,
} from '@minichat/runtime';

/** One block of WebAssembly memory owned by a handle. */
export interface Allocation {
  offset: number;
  bytes: number;
}

/** Common part of every handle: the owning backend, its memory blocks and whether it was released. */
export abstract class WasmResource {
  released = false;
  constructor(
    readonly owner: symbol,
    readonly allocations: Allocation[],
  ) {}
}

/** An f32 activation matrix `[rows, cols]` at `offset` in the kernel memory. */
export class WasmActivation extends WasmResource implements Activation {
  constructor(
    owner: symbol,
    readonly rows: number,
    readonly cols: number,
    readonly offset: number,
  ) {
    super(owner, [{ offset, bytes: rows * cols * 4 }]);
  }
}

/** An f32 vector at `offset`. */
export class WasmVector extends WasmResource implements WeightVector {
  constructor(
    owner: symbol,
    readonly length: number,
    readonly offset: number,
  ) {
    super(owner, [{ offset, bytes: length * 4 }]);
  }
}

/**
 * An embedding table kept in host memory as uploaded (the interface allows keeping it without a copy):
 * a gather touches a few rows per step, so it need not live in the kernel memory.
 */
export class WasmEmbedding extends WasmResource implements EmbeddingTable {
  constructor(
    owner: symbol,
    readonly vocabSize: number,
    readonly dim: number,
    readonly dtype: StorageDType,
    readonly data: Float32Array | Uint16Array,
  ) {
    super(owner, []);
  }
}

/** A dense layer `[outFeatures, inFeatures]`, f32 or fp16, at `offset`. */
export class WasmDenseLinear extends WasmResource implements LinearWeight {
  readonly kind = 'dense';
  constructor(
    owner: symbol,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly dtype: StorageDType,
    readonly offset: number,
    bytes: number,
  ) {
    super(owner, [{ offset, bytes }]);
  }
}

/** An EXL2 layer repacked into tiles; `descriptor` is the offset of its `Exl2Layer` block. */
export class WasmExl2Linear extends WasmResource implements LinearWeight {
  readonly kind = 'exl2';
  constructor(
    owner: symbol,
    allocations: Allocation[],
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly paddedK: number,
    /** Activation scales per row on the integer path. */
    readonly scaleChunks: number,
    readonly tiles: number,
    readonly descriptor: number,
    /** Bytes of packed codes, all of which a product reads. */
    readonly codeBytes: number,
  ) {
    super(owner, allocations);
  }
}

/** Keys and values of every layer, `[layer][position][numKvHeads * headDim]`, f32 or fp16. */
export class WasmKvCache extends WasmResource implements KvCache {
  /**
   * One int32 per layer after the keys, set by the store once an fp16 entry of that layer is infinite or
   * NaN. Attention converts the entries of a layer without it with fewer instructions.
   */
  readonly specialFlagsOffset: number;

  constructor(
    owner: symbol,
    readonly spec: KvCacheSpec,
    readonly keysOffset: number,
    readonly valuesOffset: number,
    readonly layerBytes: number,
  ) {
    const bytes = layerBytes * spec.numLayers;
    super(owner, [
      { offset: keysOffset, bytes: bytes + WasmKvCache.flagBytes(spec) },
      { offset: valuesOffset, bytes },
    ]);
    this.specialFlagsOffset = keysOffset + bytes;
  }

  /** Bytes of the per-layer flags allocated after the keys. */
  static flagBytes(spec: KvCacheSpec): number {
    return spec.numLayers * 4;
  }
}

/** Either kind of linear layer. */
export type WasmLinear = WasmDenseLinear | WasmExl2Linear;
