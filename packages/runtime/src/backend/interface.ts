/**
 * The contract between the runtime and a kernel backend.
 *
 * The runtime owns the model graph, the sampler and generation; a backend owns memory and kernels.
 * Ops record work in order and return nothing, so a GPU backend can encode a whole decode step and submit
 * it once. Only {@link Backend.sample}, {@link Backend.readActivation} and {@link Backend.synchronize}
 * wait for results. A CPU backend may run each op at once.
 *
 * Every method is required: a backend that lacks an op does not compile against {@link Backend}.
 */

/** Version of this interface. A backend states the version it implements; the runtime rejects others. */
export const BACKEND_SPECIFICATION_VERSION = 1;

/** Storage type of weights or cache entries on a backend. Activations are always f32. */
export type StorageDType = 'f32' | 'f16';

/**
 * A backend-owned f32 matrix of `rows × cols` for activations, allocated once and reused every step.
 * Ops work on its first `rows` rows, where the op takes a row count.
 */
export interface Activation {
  /** Rows allocated (the largest number of tokens processed at once). */
  readonly rows: number;
  /** Columns (features per token). */
  readonly cols: number;
}

/** A backend-owned f32 vector, such as an RMSNorm weight. */
export interface WeightVector {
  /** Number of elements. */
  readonly length: number;
}

/** A backend-owned embedding table `[vocabSize, dim]`. */
export interface EmbeddingTable {
  /** Number of rows (tokens). */
  readonly vocabSize: number;
  /** Row width. */
  readonly dim: number;
}

/** A backend-owned linear layer computing `y = x @ W` for `x: [rows, inFeatures]`. */
export interface LinearWeight {
  /** Input features (K). */
  readonly inFeatures: number;
  /** Output features (N), without any padding. */
  readonly outFeatures: number;
}

/** A backend-owned key/value cache for every layer of a model. */
export interface KvCache {
  /** The shape it was created with. */
  readonly spec: KvCacheSpec;
}

/** Any handle a backend hands out; see {@link Backend.release}. */
export type BackendResource = Activation | KvCache | WeightVector | EmbeddingTable | LinearWeight;

/** Shape and storage of a {@link KvCache}. */
export interface KvCacheSpec {
  /** Decoder layers. */
  numLayers: number;
  /** Positions the cache holds (the context window). */
  maxSequenceLength: number;
  /** Key/value heads per layer. */
  numKvHeads: number;
  /** Features per head. */
  headDim: number;
  /** Storage type of cached keys and values. */
  dtype: StorageDType;
}

/** One group of an EXL2 matrix: consecutive stored input rows that share a bit width. */
export interface Exl2GroupData {
  /** Bit width of every code in the group: 2, 3, 4, 5, 6 or 8. */
  bits: number;
  /** Number of stored input rows in the group. */
  rows: number;
  /** First stored input row of the group. */
  rowStart: number;
  /** First `qWeight` row (32-bit word row) of the group. */
  qRowStart: number;
}

/**
 * An EXL2 linear layer as stored by exllamav2: packed codes in input-major order, 4-bit scale codes,
 * fp16 group scale maxima and the input permutation. See the EXL2 format notes in
 * `@minichat/exl2-format` for the bit layout.
 */
export interface Exl2WeightData {
  /** Discriminant. */
  kind: 'exl2';
  /** Layer name, for messages. */
  name: string;
  /** Input features (K). */
  inFeatures: number;
  /** Output features (N) without padding. */
  outFeatures: number;
  /** Output features padded to a multiple of 32 (Np); packed arrays use this width. */
  paddedOutFeatures: number;
  /** Packed codes `[QR, Np]`, read as unsigned 32-bit words. */
  qWeight: Uint32Array;
  /** Scale codes `[G, Np / 8]`, eight 4-bit codes per word. */
  qScale: Uint32Array;
  /** fp16 bit patterns of each group's scale maximum `[G]`. */
  qScaleMax: Uint16Array;
  /** Groups in stored row order. */
  groups: readonly Exl2GroupData[];
  /** `perm[k]` is the input feature held by stored row k. */
  perm: Uint32Array;
  /** fp16 bit patterns of the bias `[Np]`, when the layer has one. */
  bias?: Uint16Array;
}

/** An unquantized linear layer in PyTorch orientation: row-major `[outFeatures, inFeatures]`. */
export interface DenseWeightData {
  /** Discriminant. */
  kind: 'dense';
  /** Layer name, for messages. */
  name: string;
  /** Input features (K). */
  inFeatures: number;
  /** Output features (N). */
  outFeatures: number;
  /** Element type of `data`: f32 values, or fp16 bit patterns. */
  dtype: StorageDType;
  /** Weights, `outFeatures * inFeatures` elements. */
  data: Float32Array | Uint16Array;
}

/** Weights of one linear layer, quantized or not. */
export type LinearWeightData = Exl2WeightData | DenseWeightData;

/** An embedding table in host memory, row-major `[vocabSize, dim]`. */
export interface EmbeddingData {
  /** Number of tokens. */
  vocabSize: number;
  /** Row width. */
  dim: number;
  /** Element type of `data`: f32 values, or fp16 bit patterns. */
  dtype: StorageDType;
  /** The table. */
  data: Float32Array | Uint16Array;
}

/** Parameters of {@link Backend.rope}. */
export interface RopeParams {
  /** Heads packed side by side in each row. */
  numHeads: number;
  /** Features per head; the first half is rotated against the second half (rotate-half layout). */
  headDim: number;
  /** Position of row 0; row r is at `startPosition + r`. */
  startPosition: number;
  /** RoPE base (`rope_theta`). */
  theta: number;
}

/** Parameters of {@link Backend.attention}. */
export interface AttentionParams {
  /** Decoder layer whose cache slot is used. */
  layer: number;
  /** Position of query row 0; row r is at `startPosition + r` and sees positions `0..startPosition + r`. */
  startPosition: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads; query head h uses key/value head `floor(h / (numHeads / numKvHeads))`. */
  numKvHeads: number;
  /** Features per head. Scores are scaled by `1 / sqrt(headDim)`. */
  headDim: number;
}

/** Sampling that a backend performs next to the logits, so only a token id is read back. */
export interface DeviceSamplingParams {
  /** 0 selects the first maximum (greedy); otherwise logits are divided by it. */
  temperature: number;
  /** Keep the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. */
  topP: number;
}

/** Facts a backend reports about itself. */
export interface BackendInfo {
  /** Human-readable device or engine description. */
  description: string;
  /** Arithmetic precision of the kernels. */
  precision: 'f32' | 'f16';
  /** Largest single weight or cache allocation in bytes, when the backend has such a limit. */
  maxAllocationBytes?: number;
}

/** A kernel backend. Create one with a backend package's factory and pass it to the runtime. */
export interface Backend {
  /** The interface version the backend implements: {@link BACKEND_SPECIFICATION_VERSION}. */
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** Short name such as `cpu` or `webgpu`. */
  readonly name: string;
  /** Device facts. */
  readonly info: BackendInfo;

  /** Allocates an activation matrix `[rows, cols]`. */
  createActivation(rows: number, cols: number, label?: string): Activation;
  /** Allocates a zeroed key/value cache. */
  createKvCache(spec: KvCacheSpec): KvCache;
  /** Uploads a vector such as a norm weight. */
  uploadVector(data: Float32Array, label?: string): WeightVector;
  /** Uploads an embedding table. The backend may keep `data` without copying it. */
  uploadEmbedding(data: EmbeddingData, label?: string): EmbeddingTable;
  /** Uploads a linear layer, repacking it into whatever layout the backend prefers. */
  uploadLinear(data: LinearWeightData): LinearWeight;

  /** Writes host rows into an activation, starting at row `rowOffset` (default 0). */
  writeActivation(dst: Activation, data: Float32Array, rowOffset?: number): void;
  /** Reads `rowCount` rows from row `rowStart` of an activation after all recorded work has run. */
  readActivation(src: Activation, rowStart: number, rowCount: number): Promise<Float32Array>;

  /** `out[r] = table[tokens[r]]` for each r of `tokens`. */
  embed(table: EmbeddingTable, tokens: Int32Array, out: Activation): void;
  /** `out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight` for the first `rows` rows. `out` may be `x`. */
  rmsNorm(x: Activation, weight: WeightVector, eps: number, out: Activation, rows: number): void;
  /** `out[0..rows) = x[0..rows) @ W`. `out` must not be `x`. */
  matmul(x: Activation, weight: LinearWeight, out: Activation, rows: number): void;
  /** Rotates each head of the first `rows` rows in place (rotate-half RoPE). */
  rope(x: Activation, rows: number, params: RopeParams): void;
  /**
   * Stores the first `rows` rows of `k` and `v` at their positions in the cache, then writes causal
   * attention of `q` over the cached positions to `out`.
   */
  attention(
    q: Activation,
    k: Activation,
    v: Activation,
    cache: KvCache,
    rows: number,
    params: AttentionParams,
    out: Activation,
  ): void;
  /** `out = silu(gate) * up` elementwise over the first `rows` rows. `out` may alias either input. */
  swiglu(gate: Activation, up: Activation, out: Activation, rows: number): void;
  /** `out = a + b` elementwise over the first `rows` rows. `out` may alias either input. */
  add(a: Activation, b: Activation, out: Activation, rows: number): void;
  /** Copies `rowCount` rows from `src` at `srcRow` to `dst` at `dstRow`. */
  copyRows(src: Activation, srcRow: number, dst: Activation, dstRow: number, rowCount: number): void;

  /**
   * Samples one token from logits row `row` and returns its id. `uniform` is a number in [0, 1) from the
   * runtime's seeded generator, so every backend draws the same token from the same distribution.
   *
   * The draw is defined exactly: with temperature 0, return the lowest id among the maximum logits.
   * Otherwise take `softmax(logits / temperature)`, order tokens by descending probability (ties: lower
   * id first), keep the first `topK` (when nonzero), then the shortest prefix whose cumulative probability
   * reaches `topP`, and return the first kept token whose cumulative probability exceeds
   * `uniform * (sum of kept probabilities)`.
   */
  sample(logits: Activation, row: number, params: DeviceSamplingParams, uniform: number): Promise<number>;

  /**
   * Frees one resource this backend created (an activation, cache, vector, table or linear layer). The
   * handle is unusable afterwards. A model calls it when it is disposed or when loading fails midway, so a
   * backend can outlive the models loaded on it.
   */
  release(resource: BackendResource): void;

  /** Waits until all recorded work has run. */
  synchronize(): Promise<void>;
  /** Frees every resource the backend allocated. The backend is unusable afterwards. */
  dispose(): void;
}
