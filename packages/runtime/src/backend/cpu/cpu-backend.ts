import { BackendUsageError } from '../../errors.js';
import { halfToFloatTable } from '../half.js';
import {
  type Activation,
  type AttentionParams,
  BACKEND_SPECIFICATION_VERSION,
  type Backend,
  type BackendInfo,
  type BackendResource,
  type DeviceSamplingParams,
  type EmbeddingData,
  type EmbeddingTable,
  type KvCache,
  type KvCacheSpec,
  type LinearWeight,
  type LinearWeightData,
  type RopeParams,
  type WeightVector,
} from '../interface.js';
import { attentionRows } from './attention.js';
import { denseMatmul } from './dense-matmul.js';
import { addRows, embedRows, rmsNormRows, ropeRows, swigluRows } from './elementwise.js';
import { exl2Matmul } from './exl2-matmul.js';
import {
  CpuActivation,
  CpuDenseLinear,
  CpuEmbedding,
  CpuExl2Linear,
  CpuKvCache,
  type CpuLinear,
  CpuVector,
} from './resources.js';
import { sampleRow } from './sample.js';
import { checkEqual, checkInteger, checkPositive } from './validate.js';
import { checkAttentionArguments } from './validate-attention.js';
import { validateLinearData } from './validate-weights.js';

/** Options of {@link createCpuBackend}. */
export interface CpuBackendOptions {
  /**
   * Largest single allocation in bytes; larger activations, caches or uploads are rejected with a
   * {@link BackendUsageError}. Default: no limit.
   */
  maxAllocationBytes?: number;
}

/**
 * Creates the CPU reference backend: plain f32 TypeScript that runs each op as soon as it is called. It
 * reads EXL2 weights in their packed file layout (fused dequantization and dot product) and keeps uploaded
 * typed arrays without copying them. It is the oracle every other backend is compared with.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  return new CpuBackend(options.maxAllocationBytes);
}

class CpuBackend implements Backend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly name = 'cpu';
  readonly info: BackendInfo;
  private readonly owner = Symbol('cpu-backend');
  private readonly resources = new Set<{ released: boolean }>();
  private disposed = false;

  constructor(private readonly maxAllocationBytes: number | undefined) {
    this.info = {
      description: 'CPU reference backend (f32 TypeScript)',
      precision: 'f32',
      ...(maxAllocationBytes === undefined ? {} : { maxAllocationBytes }),
    };
  }

  createActivation(rows: number, cols: number, label?: string): Activation {
    const op = 'createActivation';
    checkInteger(op, 'rows', rows, 1, 2 ** 24);
    checkInteger(op, 'cols', cols, 1, 2 ** 24);
    this.checkAllocation(op, rows * cols * 4, label);
    return this.track(new CpuActivation(this.owner, rows, cols));
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    const op = 'createKvCache';
    checkInteger(op, 'spec.numLayers', spec.numLayers, 1, 4096);
    checkInteger(op, 'spec.maxSequenceLength', spec.maxSequenceLength, 1, 2 ** 24);
    checkInteger(op, 'spec.numKvHeads', spec.numKvHeads, 1, 4096);
    checkInteger(op, 'spec.headDim', spec.headDim, 2, 4096);
    if (spec.dtype !== 'f32' && spec.dtype !== 'f16') {
      throw new BackendUsageError(op, 'spec.dtype', spec.dtype, "expected 'f32' or 'f16'");
    }
    const bytesPerLayer =
      spec.maxSequenceLength * spec.numKvHeads * spec.headDim * (spec.dtype === 'f16' ? 2 : 4);
    this.checkAllocation(op, bytesPerLayer, 'kv cache layer');
    return this.track(new CpuKvCache(this.owner, { ...spec }));
  }

  uploadVector(data: Float32Array, label?: string): WeightVector {
    checkInteger('uploadVector', 'data.length', data.length, 1, 2 ** 30);
    this.checkAllocation('uploadVector', data.byteLength, label);
    return this.track(new CpuVector(this.owner, data.slice()));
  }

  uploadEmbedding(data: EmbeddingData, label?: string): EmbeddingTable {
    const op = 'uploadEmbedding';
    checkInteger(op, 'vocabSize', data.vocabSize, 1, 2 ** 24);
    checkInteger(op, 'dim', data.dim, 1, 2 ** 20);
    const expectedArray = data.dtype === 'f16' ? Uint16Array : Float32Array;
    if (!(data.data instanceof expectedArray)) {
      throw new BackendUsageError(
        op,
        'data',
        data.data,
        `expected a ${expectedArray.name} for dtype ${data.dtype}`,
      );
    }
    checkEqual(op, 'data.length', data.data.length, data.vocabSize * data.dim, 'vocabSize * dim');
    this.checkAllocation(op, data.data.byteLength, label);
    return this.track(new CpuEmbedding(this.owner, data.vocabSize, data.dim, data.dtype, data.data));
  }

  uploadLinear(data: LinearWeightData): LinearWeight {
    validateLinearData(data);
    const bytes = data.kind === 'dense' ? data.data.byteLength : data.qWeight.byteLength;
    this.checkAllocation('uploadLinear', bytes, data.name);
    if (data.kind === 'dense') return this.track(new CpuDenseLinear(this.owner, data));
    const bias =
      data.bias === undefined
        ? undefined
        : Float32Array.from(data.bias.subarray(0, data.outFeatures), (bits) => halfToFloatTable()[bits]!);
    return this.track(
      new CpuExl2Linear(
        this.owner,
        data.name,
        data.inFeatures,
        data.outFeatures,
        data.paddedOutFeatures,
        data.qWeight,
        data.groups.map((group) => ({ ...group })),
        data.qScale,
        data.qScaleMax,
        data.perm,
        bias,
      ),
    );
  }

  writeActivation(dst: Activation, data: Float32Array, rowOffset = 0): void {
    const target = this.own('writeActivation', 'dst', dst, CpuActivation);
    checkInteger('writeActivation', 'rowOffset', rowOffset, 0, target.rows - 1);
    if (data.length % target.cols !== 0 || data.length > (target.rows - rowOffset) * target.cols) {
      throw new BackendUsageError(
        'writeActivation',
        'data.length',
        data.length,
        `expected whole rows of ${target.cols} columns fitting in ${target.rows - rowOffset} rows`,
      );
    }
    target.data.set(data, rowOffset * target.cols);
  }

  async readActivation(src: Activation, rowStart: number, rowCount: number): Promise<Float32Array> {
    const source = this.own('readActivation', 'src', src, CpuActivation);
    checkInteger('readActivation', 'rowStart', rowStart, 0, source.rows - 1);
    checkInteger('readActivation', 'rowCount', rowCount, 1, source.rows - rowStart);
    return source.data.slice(rowStart * source.cols, (rowStart + rowCount) * source.cols);
  }

  embed(table: EmbeddingTable, tokens: Int32Array, out: Activation): void {
    const op = 'embed';
    const embedding = this.own(op, 'table', table, CpuEmbedding);
    const target = this.own(op, 'out', out, CpuActivation);
    checkInteger(op, 'tokens.length', tokens.length, 1, target.rows);
    checkEqual(op, 'out.cols', target.cols, embedding.dim, 'the embedding width');
    for (const token of tokens) checkInteger(op, 'token', token, 0, embedding.vocabSize - 1);
    embedRows(embedding.data, embedding.dtype, embedding.dim, tokens, target.data, target.cols);
  }

  rmsNorm(x: Activation, weight: WeightVector, eps: number, out: Activation, rows: number): void {
    const op = 'rmsNorm';
    const input = this.own(op, 'x', x, CpuActivation);
    const norm = this.own(op, 'weight', weight, CpuVector);
    const target = this.own(op, 'out', out, CpuActivation);
    this.checkRows(op, rows, input, target);
    checkEqual(op, 'weight.length', norm.length, input.cols, 'x.cols');
    checkEqual(op, 'out.cols', target.cols, input.cols, 'x.cols');
    checkPositive(op, 'eps', eps);
    rmsNormRows(input.data, input.cols, norm.data, eps, target.data, target.cols, rows);
  }

  matmul(x: Activation, weight: LinearWeight, out: Activation, rows: number): void {
    const op = 'matmul';
    const input = this.own(op, 'x', x, CpuActivation);
    const linear = this.ownLinear(op, weight);
    const target = this.own(op, 'out', out, CpuActivation);
    if (input === target)
      throw new BackendUsageError(op, 'out', 'x', 'out must be another activation than x');
    this.checkRows(op, rows, input, target);
    checkEqual(op, 'x.cols', input.cols, linear.inFeatures, 'the layer input features');
    checkEqual(op, 'out.cols', target.cols, linear.outFeatures, 'the layer output features');
    if (linear.kind === 'dense') {
      denseMatmul(linear, input.data, input.cols, target.data, target.cols, rows);
    } else {
      exl2Matmul(linear, input.data, input.cols, target.data, target.cols, rows);
    }
  }

  rope(x: Activation, rows: number, params: RopeParams): void {
    const op = 'rope';
    const input = this.own(op, 'x', x, CpuActivation);
    this.checkRows(op, rows, input);
    checkInteger(op, 'params.headDim', params.headDim, 2, 4096);
    if (params.headDim % 2 !== 0) {
      throw new BackendUsageError(op, 'params.headDim', params.headDim, 'expected an even number');
    }
    checkInteger(op, 'params.numHeads', params.numHeads, 1, input.cols / params.headDim);
    checkInteger(op, 'params.startPosition', params.startPosition, 0, 2 ** 24);
    checkPositive(op, 'params.theta', params.theta);
    ropeRows(
      input.data,
      input.cols,
      rows,
      params.numHeads,
      params.headDim,
      params.startPosition,
      params.theta,
    );
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
    const query = this.own(op, 'q', q, CpuActivation);
    const key = this.own(op, 'k', k, CpuActivation);
    const value = this.own(op, 'v', v, CpuActivation);
    const kvCache = this.own(op, 'cache', cache, CpuKvCache);
    const target = this.own(op, 'out', out, CpuActivation);
    this.checkRows(op, rows, query, key, value, target);
    const { spec } = kvCache;
    checkAttentionArguments(rows, params, spec, { q: query, k: key, v: value, out: target });
    attentionRows(
      query.data,
      query.cols,
      key.data,
      value.data,
      key.cols,
      kvCache,
      rows,
      params,
      target.data,
      target.cols,
    );
  }

  swiglu(gate: Activation, up: Activation, out: Activation, rows: number): void {
    const op = 'swiglu';
    const g = this.own(op, 'gate', gate, CpuActivation);
    const u = this.own(op, 'up', up, CpuActivation);
    const target = this.own(op, 'out', out, CpuActivation);
    this.checkRows(op, rows, g, u, target);
    checkEqual(op, 'up.cols', u.cols, g.cols, 'gate.cols');
    checkEqual(op, 'out.cols', target.cols, g.cols, 'gate.cols');
    swigluRows(g.data, u.data, target.data, g.cols, g.cols, rows);
  }

  add(a: Activation, b: Activation, out: Activation, rows: number): void {
    const op = 'add';
    const left = this.own(op, 'a', a, CpuActivation);
    const right = this.own(op, 'b', b, CpuActivation);
    const target = this.own(op, 'out', out, CpuActivation);
    this.checkRows(op, rows, left, right, target);
    checkEqual(op, 'b.cols', right.cols, left.cols, 'a.cols');
    checkEqual(op, 'out.cols', target.cols, left.cols, 'a.cols');
    addRows(left.data, right.data, target.data, left.cols, left.cols, rows);
  }

  copyRows(src: Activation, srcRow: number, dst: Activation, dstRow: number, rowCount: number): void {
    const op = 'copyRows';
    const source = this.own(op, 'src', src, CpuActivation);
    const target = this.own(op, 'dst', dst, CpuActivation);
    checkEqual(op, 'dst.cols', target.cols, source.cols, 'src.cols');
    checkInteger(op, 'rowCount', rowCount, 1, Math.min(source.rows, target.rows));
    checkInteger(op, 'srcRow', srcRow, 0, source.rows - rowCount);
    checkInteger(op, 'dstRow', dstRow, 0, target.rows - rowCount);
    const cols = source.cols;
    target.data.set(source.data.subarray(srcRow * cols, (srcRow + rowCount) * cols), dstRow * cols);
  }

  async sample(
    logits: Activation,
    row: number,
    params: DeviceSamplingParams,
    uniform: number,
  ): Promise<number> {
    const op = 'sample';
    const source = this.own(op, 'logits', logits, CpuActivation);
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
    const cols = source.cols;
    return sampleRow(source.data.subarray(row * cols, (row + 1) * cols), params, uniform);
  }

  release(resource: BackendResource): void {
    const handle = resource as unknown as { owner?: symbol; released?: boolean };
    if (handle.owner !== this.owner) {
      throw new BackendUsageError(
        'release',
        'resource',
        resource,
        'expected a handle created by this backend',
      );
    }
    handle.released = true;
    this.resources.delete(resource as unknown as { released: boolean });
  }

  async synchronize(): Promise<void> {
    this.checkNotDisposed('synchronize');
  }

  dispose(): void {
    for (const resource of this.resources) resource.released = true;
    this.resources.clear();
    this.disposed = true;
  }

  private track<T extends { released: boolean }>(resource: T): T {
    this.checkNotDisposed('create');
    this.resources.add(resource);
    return resource;
  }

  private own<T>(op: string, field: string, handle: unknown, type: abstract new (...args: never[]) => T): T {
    this.checkNotDisposed(op);
    const resource = handle as { owner?: symbol; released?: boolean };
    if (!(handle instanceof type) || resource.owner !== this.owner) {
      throw new BackendUsageError(op, field, handle, `expected a ${type.name} created by this CPU backend`);
    }
    if (resource.released) {
      throw new BackendUsageError(op, field, handle, 'the handle was released; create a new one');
    }
    return handle;
  }

  private ownLinear(op: string, weight: LinearWeight): CpuLinear {
    return weight instanceof CpuExl2Linear
      ? this.own(op, 'weight', weight, CpuExl2Linear)
      : this.own(op, 'weight', weight, CpuDenseLinear);
  }

  private checkRows(op: string, rows: number, ...activations: CpuActivation[]): void {
    const capacity = Math.min(...activations.map((activation) => activation.rows));
    checkInteger(op, 'rows', rows, 1, capacity);
  }

  private checkAllocation(op: string, bytes: number, label: string | undefined): void {
    if (this.maxAllocationBytes !== undefined && bytes > this.maxAllocationBytes) {
      throw new BackendUsageError(
        op,
        label === undefined ? 'size' : `size of ${label}`,
        bytes,
        `expected at most maxAllocationBytes = ${this.maxAllocationBytes} bytes`,
      );
    }
  }

  private checkNotDisposed(op: string): void {
    if (this.disposed) {
      throw new BackendUsageError(op, 'backend', 'disposed', 'the backend was disposed; create a new one');
    }
  }
}
