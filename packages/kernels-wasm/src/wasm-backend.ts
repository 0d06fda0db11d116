import {
  type Activation,
  type AttentionParams,
  BACKEND_SPECIFICATION_VERSION,
  type Backend,
  type BackendInfo,
  type BackendResource,
  BackendUsageError,
  checkAttentionArguments,
  checkEqual,
  checkInteger,
  checkPositive,
  type DeviceSamplingParams,
  type EmbeddingData,
  type EmbeddingTable,
  type KvCache,
  type KvCacheSpec,
  type LinearWeight,
  type LinearWeightData,
  type RopeParams,
  type WeightVector,
} from '@minichat/runtime';
import type { DecodeSettings, DecodeTuner } from './decode-tuning.js';
import { uploadExl2 } from './exl2-upload.js';
import { WASM32_MAX_MEMORY_BYTES } from './heap.js';
import { embedRows, RopeTables, ropeRows, sampleLogits } from './host-ops.js';
import { floatBits, type KernelContext } from './kernel-context.js';
import { KernelOp } from './kernel-ops.js';
import {
  WasmActivation,
  WasmDenseLinear,
  WasmEmbedding,
  WasmExl2Linear,
  WasmKvCache,
  type WasmLinear,
  type WasmResource,
  WasmVector,
} from './resources.js';

/**
 * Multiply-adds below which an op runs on the calling thread alone: waking the workers costs a few
 * microseconds, more than such an op takes.
 */
const PARALLEL_MIN_WORK = 1 << 16;

/** A runtime `Backend` running WebAssembly SIMD kernels, with the settings it was created with. */
export interface WasmBackend extends Backend {
  /** Threads that run kernels, the calling thread included. */
  readonly threads: number;
  /** Whether EXL2 products use f32 activations instead of quantized ones. */
  readonly exactActivations: boolean;
  /** Whether the kernels use relaxed SIMD's 8-bit dot product (8-bit quantized activations). */
  readonly relaxedSimd: boolean;
  /**
   * The read pattern of one-row EXL2 products (decode): `readAheadBytes` is 2048 with read-ahead and 0
   * without. `undefined` while the `'auto'` options still time their candidates on the first decode
   * steps, and always with `exactActivations`, whose products take neither setting.
   */
  readonly decodeSettings: DecodeSettings | undefined;
}

/** The backend object; create it with `createWasmBackend`. */
export class WasmBackendImpl implements WasmBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly name = 'wasm';
  readonly info: BackendInfo;
  private readonly owner = Symbol('wasm-backend');
  private readonly resources = new Set<WasmResource>();
  private disposed = false;
  /** RoPE angles of the last position rotated, shared by the layers of a decode step. */
  private readonly ropeTables = new RopeTables();

  constructor(
    private readonly context: KernelContext,
    readonly threads: number,
    readonly exactActivations: boolean,
    readonly relaxedSimd: boolean,
    private readonly decodeTuner: DecodeTuner,
  ) {
    const activations = exactActivations
      ? 'f32 activations'
      : `${relaxedSimd ? 8 : 16}-bit quantized activations for EXL2 products`;
    this.info = {
      description:
        `WebAssembly ${relaxedSimd ? 'relaxed SIMD' : 'SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}, ` +
        activations,
      precision: 'f32',
      maxAllocationBytes: WASM32_MAX_MEMORY_BYTES,
    };
  }

  get decodeSettings(): DecodeSettings | undefined {
    return this.exactActivations ? undefined : this.decodeTuner.settings;
  }

  createActivation(rows: number, cols: number, label?: string): Activation {
    const op = 'createActivation';
    this.checkNotDisposed(op);
    checkInteger(op, 'rows', rows, 1, 2 ** 24);
    checkInteger(op, 'cols', cols, 1, 2 ** 24);
    const offset = this.context.heap.allocate(rows * cols * 4, label ?? 'activation');
    return this.track(new WasmActivation(this.owner, rows, cols, offset));
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    const op = 'createKvCache';
    this.checkNotDisposed(op);
    checkInteger(op, 'spec.numLayers', spec.numLayers, 1, 4096);
    checkInteger(op, 'spec.maxSequenceLength', spec.maxSequenceLength, 1, 2 ** 24);
    checkInteger(op, 'spec.numKvHeads', spec.numKvHeads, 1, 4096);
    checkInteger(op, 'spec.headDim', spec.headDim, 2, 4096);
    if (spec.dtype !== 'f32' && spec.dtype !== 'f16') {
      throw new BackendUsageError(op, 'spec.dtype', spec.dtype, "expected 'f32' or 'f16'");
    }
    const layerBytes =
      spec.maxSequenceLength * spec.numKvHeads * spec.headDim * (spec.dtype === 'f16' ? 2 : 4);
    const bytes = layerBytes * spec.numLayers;
    const { heap } = this.context;
    const keyBytes = bytes + WasmKvCache.flagBytes(spec);
    const keys = heap.allocate(keyBytes, 'kv cache keys');
    let values: number;
    try {
      values = heap.allocate(bytes, 'kv cache values');
    } catch (error) {
      heap.release(keys, keyBytes);
      throw error;
    }
    return this.track(new WasmKvCache(this.owner, { ...spec }, keys, values, layerBytes));
  }

  uploadVector(data: Float32Array, label?: string): WeightVector {
    this.checkNotDisposed('uploadVector');
    checkInteger('uploadVector', 'data.length', data.length, 1, 2 ** 28);
    const offset = this.context.heap.allocate(data.byteLength, label ?? 'vector');
    this.context.heap.floats().set(data, offset / 4);
    return this.track(new WasmVector(this.owner, data.length, offset));
  }

  uploadEmbedding(data: EmbeddingData, label?: string): EmbeddingTable {
    const op = 'uploadEmbedding';
    this.checkNotDisposed(op);
    checkInteger(op, 'vocabSize', data.vocabSize, 1, 2 ** 24);
    checkInteger(op, 'dim', data.dim, 1, 2 ** 20);
    const expected = data.dtype === 'f16' ? Uint16Array : Float32Array;
    if (!(data.data instanceof expected)) {
      throw new BackendUsageError(
        op,
        label ?? 'data',
        data.data,
        `expected a ${expected.name} for dtype ${data.dtype}`,
      );
    }
    checkEqual(op, 'data.length', data.data.length, data.vocabSize * data.dim, 'vocabSize * dim');
    return this.track(new WasmEmbedding(this.owner, data.vocabSize, data.dim, data.dtype, data.data));
  }

  uploadLinear(data: LinearWeightData): LinearWeight {
    const op = 'uploadLinear';
    this.checkNotDisposed(op);
    if (data.kind === 'exl2') {
      return this.track(uploadExl2(this.context, this.owner, data, this.context.pool.threads > 1));
    }
    if (data.kind !== 'dense') {
      throw new BackendUsageError(op, 'kind', (data as { kind: unknown }).kind, "expected 'exl2' or 'dense'");
    }
    checkInteger(op, `${data.name}.inFeatures`, data.inFeatures, 1, 2 ** 24);
    checkInteger(op, `${data.name}.outFeatures`, data.outFeatures, 1, 2 ** 24);
    const expected = data.dtype === 'f16' ? Uint16Array : Float32Array;
    if (!(data.data instanceof expected)) {
      throw new BackendUsageError(op, `${data.name}.data`, data.data, `expected a ${expected.name}`);
    }
    checkEqual(
      op,
      `${data.name}.data.length`,
      data.data.length,
      data.inFeatures * data.outFeatures,
      'out * in',
    );
    const { heap } = this.context;
    const offset = heap.allocate(data.data.byteLength, data.name);
    if (data.dtype === 'f16') heap.halves().set(data.data, offset / 2);
    else heap.floats().set(data.data, offset / 4);
    return this.track(
      new WasmDenseLinear(
        this.owner,
        data.inFeatures,
        data.outFeatures,
        data.dtype,
        offset,
        data.data.byteLength,
      ),
    );
  }

  writeActivation(dst: Activation, data: Float32Array, rowOffset = 0): void {
    const target = this.own('writeActivation', 'dst', dst, WasmActivation);
    checkInteger('writeActivation', 'rowOffset', rowOffset, 0, target.rows - 1);
    if (data.length % target.cols !== 0 || data.length > (target.rows - rowOffset) * target.cols) {
      throw new BackendUsageError(
        'writeActivation',
        'data.length',
        data.length,
        `expected whole rows of ${target.cols} columns fitting in ${target.rows - rowOffset} rows`,
      );
    }
    this.context.heap.floats().set(data, target.offset / 4 + rowOffset * target.cols);
  }

  async readActivation(src: Activation, rowStart: number, rowCount: number): Promise<Float32Array> {
    const source = this.own('readActivation', 'src', src, WasmActivation);
    checkInteger('readActivation', 'rowStart', rowStart, 0, source.rows - 1);
    checkInteger('readActivation', 'rowCount', rowCount, 1, source.rows - rowStart);
    const start = source.offset / 4 + rowStart * source.cols;
    return this.context.heap.floats().slice(start, start + rowCount * source.cols);
  }

  embed(table: EmbeddingTable, tokens: Int32Array, out: Activation): void {
    const op = 'embed';
    const embedding = this.own(op, 'table', table, WasmEmbedding);
    const target = this.own(op, 'out', out, WasmActivation);
    checkInteger(op, 'tokens.length', tokens.length, 1, target.rows);
    checkEqual(op, 'out.cols', target.cols, embedding.dim, 'the embedding width');
    for (const token of tokens) checkInteger(op, 'token', token, 0, embedding.vocabSize - 1);
    embedRows(
      embedding.data,
      embedding.dtype,
      embedding.dim,
      tokens,
      this.context.heap.floats(),
      target.offset / 4,
    );
  }

  rmsNorm(x: Activation, weight: WeightVector, eps: number, out: Activation, rows: number): void {
    const op = 'rmsNorm';
    const input = this.own(op, 'x', x, WasmActivation);
    const norm = this.own(op, 'weight', weight, WasmVector);
    const target = this.own(op, 'out', out, WasmActivation);
    this.checkRows(op, rows, input, target);
    checkEqual(op, 'weight.length', norm.length, input.cols, 'x.cols');
    checkEqual(op, 'out.cols', target.cols, input.cols, 'x.cols');
    checkPositive(op, 'eps', eps);
    const args = [input.offset, norm.offset, floatBits(eps), target.offset, input.cols];
    this.context.run(op, KernelOp.rmsNorm, rows, args, this.parallel(rows * input.cols, rows));
  }

  matmul(x: Activation, weight: LinearWeight, out: Activation, rows: number): void {
    const op = 'matmul';
    const input = this.own(op, 'x', x, WasmActivation);
    const linear = this.ownLinear(op, weight);
    const target = this.own(op, 'out', out, WasmActivation);
    if (input === target)
      throw new BackendUsageError(op, 'out', 'x', 'out must be another activation than x');
    this.checkRows(op, rows, input, target);
    checkEqual(op, 'x.cols', input.cols, linear.inFeatures, 'the layer input features');
    checkEqual(op, 'out.cols', target.cols, linear.outFeatures, 'the layer output features');
    const work = rows * linear.inFeatures * linear.outFeatures;
    if (linear instanceof WasmDenseLinear) {
      const dtype = linear.dtype === 'f16' ? 1 : 0;
      const args = [
        linear.offset,
        dtype,
        linear.inFeatures,
        linear.outFeatures,
        input.offset,
        rows,
        target.offset,
      ];
      this.context.run(
        op,
        KernelOp.denseMatmul,
        linear.outFeatures,
        args,
        this.parallel(work, linear.outFeatures),
      );
      return;
    }
    this.exl2Matmul(linear, input, target, rows, this.parallel(work, linear.tiles));
  }

  rope(x: Activation, rows: number, params: RopeParams): void {
    const op = 'rope';
    const input = this.own(op, 'x', x, WasmActivation);
    this.checkRows(op, rows, input);
    checkInteger(op, 'params.headDim', params.headDim, 2, 4096);
    if (params.headDim % 2 !== 0) {
      throw new BackendUsageError(op, 'params.headDim', params.headDim, 'expected an even number');
    }
    checkInteger(op, 'params.numHeads', params.numHeads, 1, input.cols / params.headDim);
    checkInteger(op, 'params.startPosition', params.startPosition, 0, 2 ** 24);
    checkPositive(op, 'params.theta', params.theta);
    ropeRows(this.context.heap.floats(), input.offset / 4, input.cols, rows, params, this.ropeTables);
  }

  attention(
    q: Activation,
    k: Activation,
    v: Activation,
    cache: KvCache,
    rows: number,
    params: AttentionParams,
    out: Activation,
  ): void {
    const op = 'attention';
    const query = this.own(op, 'q', q, WasmActivation);
    const key = this.own(op, 'k', k, WasmActivation);
    const value = this.own(op, 'v', v, WasmActivation);
    const kvCache = this.own(op, 'cache', cache, WasmKvCache);
    const target = this.own(op, 'out', out, WasmActivation);
    this.checkRows(op, rows, query, key, value, target);
    const { spec } = kvCache;
    checkAttentionArguments(rows, params, spec, { q: query, k: key, v: value, out: target });
    if (target === query || target === key || target === value) {
      throw new BackendUsageError(op, 'out', 'an input', 'out must be another activation than q, k and v');
    }

    const dtype = spec.dtype === 'f16' ? 1 : 0;
    const layerOffset = params.layer * kvCache.layerBytes;
    const keys = kvCache.keysOffset + layerOffset;
    const values = kvCache.valuesOffset + layerOffset;
    const specialFlag = kvCache.specialFlagsOffset + params.layer * 4;
    this.context.run(
      op,
      KernelOp.kvStore,
      rows,
      [
        key.offset,
        value.offset,
        keys,
        values,
        dtype,
        params.startPosition,
        spec.numKvHeads,
        specialFlag,
        spec.maxSequenceLength,
        spec.headDim,
      ],
      false,
    );

    const threads = this.context.pool.threads;
    const scoresPerThread = spec.maxSequenceLength;
    const scores = this.context.scratchBlock('attention scores', threads * scoresPerThread * 4);
    const work = rows * (params.startPosition + rows) * query.cols;
    const args = [
      query.offset,
      target.offset,
      keys,
      values,
      dtype,
      rows,
      params.startPosition,
      params.numHeads,
      params.numKvHeads,
      params.headDim,
      scores,
      scoresPerThread,
      specialFlag,
      spec.maxSequenceLength,
    ];
    this.context.run(op, KernelOp.attention, params.numHeads, args, this.parallel(work, params.numHeads));
  }

  swiglu(gate: Activation, up: Activation, out: Activation, rows: number): void {
    const op = 'swiglu';
    const g = this.own(op, 'gate', gate, WasmActivation);
    const u = this.own(op, 'up', up, WasmActivation);
    const target = this.own(op, 'out', out, WasmActivation);
    this.checkRows(op, rows, g, u, target);
    checkEqual(op, 'up.cols', u.cols, g.cols, 'gate.cols');
    checkEqual(op, 'out.cols', target.cols, g.cols, 'gate.cols');
    const elements = rows * g.cols;
    this.context.run(
      op,
      KernelOp.swiglu,
      elements,
      [g.offset, u.offset, target.offset],
      this.parallel(elements * 8, elements),
    );
  }

  add(a: Activation, b: Activation, out: Activation, rows: number): void {
    const op = 'add';
    const left = this.own(op, 'a', a, WasmActivation);
    const right = this.own(op, 'b', b, WasmActivation);
    const target = this.own(op, 'out', out, WasmActivation);
    this.checkRows(op, rows, left, right, target);
    checkEqual(op, 'b.cols', right.cols, left.cols, 'a.cols');
    checkEqual(op, 'out.cols', target.cols, left.cols, 'a.cols');
    const elements = rows * left.cols;
    this.context.run(
      op,
      KernelOp.add,
      elements,
      [left.offset, right.offset, target.offset],
      this.parallel(elements, elements),
    );
  }

  copyRows(src: Activation, srcRow: number, dst: Activation, dstRow: number, rowCount: number): void {
    const op = 'copyRows';
    const source = this.own(op, 'src', src, WasmActivation);
    const target = this.own(op, 'dst', dst, WasmActivation);
    checkEqual(op, 'dst.cols', target.cols, source.cols, 'src.cols');
    checkInteger(op, 'rowCount', rowCount, 1, Math.min(source.rows, target.rows));
    checkInteger(op, 'srcRow', srcRow, 0, source.rows - rowCount);
    checkInteger(op, 'dstRow', dstRow, 0, target.rows - rowCount);
    const cols = source.cols;
    const from = source.offset / 4 + srcRow * cols;
    this.context.heap.floats().copyWithin(target.offset / 4 + dstRow * cols, from, from + rowCount * cols);
  }

  async sample(
    logits: Activation,
    row: number,
    params: DeviceSamplingParams,
    uniform: number,
  ): Promise<number> {
    const op = 'sample';
    const source = this.own(op, 'logits', logits, WasmActivation);
    checkInteger(op, 'row', row, 0, source.rows - 1);
    if (!(Number.isFinite(params.temperature) && params.temperature >= 0)) {
      throw new BackendUsageError(
        op,
        'params.temperature',
        params.temperature,
        'expected a finite number >= 0',
      );
    }
    checkInteger(op, 'params.topK', params.topK, 0, 2 ** 31 - 1);
    if (!(params.topP > 0 && params.topP <= 1)) {
      throw new BackendUsageError(op, 'params.topP', params.topP, 'expected a number in (0, 1]');
    }
    if (!(uniform >= 0 && uniform < 1)) {
      throw new BackendUsageError(op, 'uniform', uniform, 'expected a number in [0, 1)');
    }
    const start = source.offset / 4 + row * source.cols;
    return sampleLogits(this.context.heap.floats().subarray(start, start + source.cols), params, uniform);
  }

  release(resource: BackendResource): void {
    const handle = resource as unknown as WasmResource;
    if (handle.owner !== this.owner) {
      throw new BackendUsageError(
        'release',
        'resource',
        resource,
        'expected a handle created by this backend',
      );
    }
    // Releasing twice, or after dispose(), is a no-op, so cleanup paths need not track what is freed.
    if (this.resources.has(handle)) this.free(handle);
  }

  async synchronize(): Promise<void> {
    this.checkNotDisposed('synchronize');
  }

  dispose(): void {
    if (this.disposed) return;
    for (const resource of this.resources) resource.released = true;
    this.resources.clear();
    this.disposed = true;
    this.context.pool.stop();
  }

  private exl2Matmul(
    linear: WasmExl2Linear,
    input: WasmActivation,
    target: WasmActivation,
    rows: number,
    parallel: boolean,
  ): void {
    const { paddedK, descriptor } = linear;
    const rowsParallel = parallel && rows >= 4;
    if (this.exactActivations) {
      const gathered = this.context.scratchBlock('exl2 activations', rows * paddedK * 4);
      this.context.run(
        'matmul',
        KernelOp.exl2Gather,
        rows,
        [descriptor, input.offset, gathered],
        rowsParallel,
      );
      const args = [descriptor, gathered, rows, target.offset];
      this.context.run('matmul', KernelOp.exl2MatmulF32, linear.tiles, args, parallel);
      return;
    }
    // The relaxed-SIMD build stores several rows in quads of four (QUAD_ROWS in common.h).
    const storedRows = rows > 1 ? Math.ceil(rows / 4) * 4 : 1;
    const quantizedBytes = align(storedRows * paddedK * 2);
    const scalesBytes = align(storedRows * linear.scaleChunks * 4);
    // One 16-bit scale multiplier per block of 32 rows (used by the relaxed-SIMD build only).
    const multipliersBytes = align(storedRows * (paddedK / 32) * 2);
    const workspace = this.context.scratchBlock(
      'exl2 activations',
      quantizedBytes + 2 * scalesBytes + multipliersBytes,
    );
    const quantized = workspace;
    const scales = workspace + quantizedBytes;
    const sums = scales + scalesBytes;
    const multipliers = sums + scalesBytes;
    this.context.run(
      'matmul',
      KernelOp.exl2Quantize,
      rows,
      [descriptor, input.offset, quantized, scales, sums, multipliers, rows],
      rowsParallel,
    );
    if (rows > 1) {
      const args = [descriptor, quantized, scales, sums, rows, target.offset, multipliers];
      this.context.run('matmul', KernelOp.exl2MatmulQuantized, linear.tiles, args, parallel);
      return;
    }
    const settings = this.decodeTuner.next();
    const args = [
      descriptor,
      quantized,
      scales,
      sums,
      rows,
      target.offset,
      multipliers,
      settings.readAheadBytes,
      settings.streams,
    ];
    // Only the trial of the decode settings reads the clock.
    const timed = this.decodeTuner.settings === undefined;
    const start = timed ? performance.now() : 0;
    this.context.run('matmul', KernelOp.exl2MatmulQuantized, linear.tiles, args, parallel);
    if (timed) {
      const shape = `${linear.inFeatures}x${linear.outFeatures}x${linear.codeBytes}`;
      this.decodeTuner.record(settings, shape, linear.codeBytes, performance.now() - start);
    }
  }

  private parallel(work: number, items: number): boolean {
    return this.context.pool.threads > 1 && items > 1 && work >= PARALLEL_MIN_WORK;
  }

  private free(resource: WasmResource): void {
    resource.released = true;
    this.resources.delete(resource);
    for (const block of resource.allocations) this.context.heap.release(block.offset, block.bytes);
  }

  private track<T extends WasmResource>(resource: T): T {
    this.resources.add(resource);
    return resource;
  }

  private own<T>(op: string, field: string, handle: unknown, type: abstract new (...args: never[]) => T): T {
    this.checkNotDisposed(op);
    const resource = handle as Partial<WasmResource>;
    if (!(handle instanceof type) || resource.owner !== this.owner) {
      throw new BackendUsageError(
        op,
        field,
        handle,
        `expected a ${type.name} created by this WebAssembly backend`,
      );
    }
    if (resource.released) {
      throw new BackendUsageError(op, field, handle, 'the handle was released; create a new one');
    }
    return handle;
  }

  private ownLinear(op: string, weight: LinearWeight): WasmLinear {
    return weight instanceof WasmExl2Linear
      ? this.own(op, 'weight', weight, WasmExl2Linear)
      : this.own(op, 'weight', weight, WasmDenseLinear);
  }

  private checkRows(op: string, rows: number, ...activations: WasmActivation[]): void {
    checkInteger(op, 'rows', rows, 1, Math.min(...activations.map((activation) => activation.rows)));
  }

  private checkNotDisposed(op: string): void {
    if (this.disposed) {
      throw new BackendUsageError(op, 'backend', 'disposed', 'the backend was disposed; create a new one');
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
