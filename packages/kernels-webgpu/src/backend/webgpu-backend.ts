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
} from '@minichat/runtime';
import { type WebGpuDeviceLostError, WebGpuDisposedError, WebGpuInvalidArgumentError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { attentionScratchFloats, recordAttention } from '../kernels/attention/dispatch.js';
import { MAX_HEAD_DIM } from '../kernels/attention/kernel.js';
import { recordDenseMatmul } from '../kernels/dense-matmul/dispatch.js';
import { recordElementwise } from '../kernels/elementwise/dispatch.js';
import { recordEmbed } from '../kernels/embed/dispatch.js';
import { exl2SplitCount, recordExl2Matmul } from '../kernels/exl2-matmul/dispatch.js';
import { recordRmsNorm } from '../kernels/rms-norm/dispatch.js';
import { recordRope } from '../kernels/rope/dispatch.js';
import { SAMPLE_RESULT_WORDS, sampleOnDevice } from '../kernels/sample/dispatch.js';
import { checkModelFits, type ModelFitReport, type ModelFitShape } from './fit.js';
import { GpuActivation, GpuEmbedding, GpuKvCache, GpuLinear, GpuVector } from './handles.js';
import { RopeTables } from './rope-tables.js';
import { ScratchBuffer } from './scratch.js';
import { uploadEmbeddingTable, uploadLinearWeight } from './upload.js';
import { checkEqual, checkInteger, checkPositive } from './validate.js';

type HandleClass<T> = abstract new (...args: never[]) => T;

/** Per-kernel GPU time collected with timestamp queries. */
export interface KernelTiming {
  /** Kernel name, such as `exl2-matmul`. */
  kernel: string;
  /** Dispatches measured. */
  calls: number;
  /** Total GPU time of those dispatches in milliseconds. */
  milliseconds: number;
}

/** The runtime's `Backend` on a WebGPU device, with WebGPU-specific extras. */
export interface WebGpuBackend extends Backend {
  /** The version of the runtime's backend interface this backend implements. */
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** The device the kernels run on. */
  readonly device: GPUDevice;
  /**
   * Settles with a {@link WebGpuDeviceLostError} when the device is lost. Every later call throws that
   * error; dispose the backend, create a new one and load the model again.
   */
  readonly lost: Promise<WebGpuDeviceLostError>;
  /** Per-kernel GPU time since the last call; empty unless the backend was created with `timestamps`. */
  readKernelTimings(): Promise<KernelTiming[]>;
  /**
   * Checks a model shape against this device's limits before loading, and lists what does not fit.
   * `availableBytes` bounds the total when the caller knows the device's memory (WebGPU does not tell).
   */
  checkModelFits(shape: ModelFitShape, availableBytes?: number): ModelFitReport;
}

/**
 * The {@link WebGpuBackend} implementation. Ops record compute passes into one command encoder;
 * `sample`, `readActivation` and `synchronize` submit it.
 */
export class WebGpuBackendImpl implements WebGpuBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly name = 'webgpu';
  readonly info: BackendInfo;
  readonly device: GPUDevice;
  readonly lost: Promise<WebGpuDeviceLostError>;

  private readonly owner = Symbol('webgpu-backend');
  private readonly handles = new Set<{ released: boolean; buffers(): GPUBuffer[] }>();
  private readonly gatherScratch: ScratchBuffer;
  private readonly attentionScratch: ScratchBuffer;
  private readonly splitScratch: ScratchBuffer;
  private readonly ropeTables: RopeTables;
  private readonly sampleResult: GPUBuffer;
  private disposed = false;

  constructor(
    readonly context: GpuContext,
    description: string,
    private readonly nativeF16: boolean,
    private readonly onDispose: () => void,
  ) {
    const precision = nativeF16 ? 'f16' : 'f32';
    this.info = { description, precision, maxAllocationBytes: context.maxBindingBytes };
    this.device = context.device;
    this.lost = context.lost;
    this.gatherScratch = new ScratchBuffer(context, 'exl2 gathered activations');
    this.attentionScratch = new ScratchBuffer(context, 'attention partial results');
    this.splitScratch = new ScratchBuffer(context, 'exl2 split-K partial sums');
    this.ropeTables = new RopeTables(context);
    this.sampleResult = context.createStorageBuffer('sampling result', SAMPLE_RESULT_WORDS * 4, true);
  }

  createActivation(rows: number, cols: number, label?: string): Activation {
    checkInteger('createActivation', 'rows', rows, 1, 2 ** 24);
    checkInteger('createActivation', 'cols', cols, 1, 2 ** 24);
    const buffer = this.context.createStorageBuffer(
      label ?? `activation [${rows}, ${cols}]`,
      rows * cols * 4,
    );
    return this.track(new GpuActivation(this.owner, rows, cols, buffer));
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    const op = 'createKvCache';
    checkInteger(op, 'spec.numLayers', spec.numLayers, 1, 4096);
    checkInteger(op, 'spec.maxSequenceLength', spec.maxSequenceLength, 1, 2 ** 24);
    checkInteger(op, 'spec.numKvHeads', spec.numKvHeads, 1, 4096);
    checkInteger(op, 'spec.headDim', spec.headDim, 2, MAX_HEAD_DIM);
    if (spec.headDim % 2 !== 0) {
      throw new WebGpuInvalidArgumentError(`${op} spec.headDim`, spec.headDim, 'expected an even number');
    }
    if (spec.dtype !== 'f32' && spec.dtype !== 'f16') {
      throw new WebGpuInvalidArgumentError(`${op} spec.dtype`, spec.dtype, "expected 'f32' or 'f16'");
    }
    const bytes = spec.maxSequenceLength * spec.numKvHeads * spec.headDim * (spec.dtype === 'f16' ? 2 : 4);
    const keys: GPUBuffer[] = [];
    const values: GPUBuffer[] = [];
    try {
      for (let layer = 0; layer < spec.numLayers; layer++) {
        keys.push(this.context.createStorageBuffer(`kv cache keys layer ${layer}`, bytes));
        values.push(this.context.createStorageBuffer(`kv cache values layer ${layer}`, bytes));
      }
    } catch (error) {
      for (const buffer of [...keys, ...values]) this.context.destroyBuffer(buffer);
      throw error;
    }
    return this.track(new GpuKvCache(this.owner, { ...spec }, keys, values));
  }

  uploadVector(data: Float32Array, label?: string): WeightVector {
    checkInteger('uploadVector', 'data.length', data.length, 1, 2 ** 30);
    const buffer = this.context.createStorageBuffer(label ?? `vector [${data.length}]`, data.byteLength);
    this.context.write(buffer, 0, data as Float32Array<ArrayBuffer>);
    return this.track(new GpuVector(this.owner, data.length, buffer));
  }

  uploadEmbedding(data: EmbeddingData, label?: string): EmbeddingTable {
    const layout = uploadEmbeddingTable(this.context, data, label ?? 'embedding');
    return this.track(new GpuEmbedding(this.owner, data.vocabSize, data.dim, layout));
  }

  uploadLinear(data: LinearWeightData): LinearWeight {
    const layout = uploadLinearWeight(this.context, data, this.nativeF16);
    return this.track(new GpuLinear(this.owner, data.name, data.inFeatures, data.outFeatures, layout));
  }

  writeActivation(dst: Activation, data: Float32Array, rowOffset = 0): void {
    const target = this.own('writeActivation', 'dst', dst, GpuActivation);
    checkInteger('writeActivation', 'rowOffset', rowOffset, 0, target.rows - 1);
    if (data.length % target.cols !== 0 || data.length > (target.rows - rowOffset) * target.cols) {
      throw new WebGpuInvalidArgumentError(
        'writeActivation data.length',
        data.length,
        `expected whole rows of ${target.cols} columns fitting in ${target.rows - rowOffset} rows`,
      );
    }
    this.context.write(target.buffer, rowOffset * target.cols * 4, data as Float32Array<ArrayBuffer>);
  }

  async readActivation(src: Activation, rowStart: number, rowCount: number): Promise<Float32Array> {
    const source = this.own('readActivation', 'src', src, GpuActivation);
    checkInteger('readActivation', 'rowStart', rowStart, 0, source.rows - 1);
    checkInteger('readActivation', 'rowCount', rowCount, 1, source.rows - rowStart);
    const bytes = await this.context.read(
      source.buffer,
      rowStart * source.cols * 4,
      rowCount * source.cols * 4,
    );
    return new Float32Array(bytes);
  }

  embed(table: EmbeddingTable, tokens: Int32Array, out: Activation): void {
    const embedding = this.own('embed', 'table', table, GpuEmbedding);
    const target = this.own('embed', 'out', out, GpuActivation);
    checkInteger('embed', 'tokens.length', tokens.length, 1, target.rows);
    checkEqual('embed', 'out.cols', target.cols, embedding.dim, 'the embedding width');
    for (const token of tokens) checkInteger('embed', 'token', token, 0, embedding.vocabSize - 1);
    recordEmbed(this.context, embedding.layout, tokens, target.buffer, target.cols);
  }

  rmsNorm(x: Activation, weight: WeightVector, eps: number, out: Activation, rows: number): void {
    const input = this.own('rmsNorm', 'x', x, GpuActivation);
    const norm = this.own('rmsNorm', 'weight', weight, GpuVector);
    const target = this.own('rmsNorm', 'out', out, GpuActivation);
    this.checkRows('rmsNorm', rows, input, target);
    checkEqual('rmsNorm', 'weight.length', norm.length, input.cols, 'x.cols');
    checkEqual('rmsNorm', 'out.cols', target.cols, input.cols, 'x.cols');
    checkPositive('rmsNorm', 'eps', eps);
    recordRmsNorm(this.context, input.buffer, norm.buffer, eps, target.buffer, rows, input.cols);
  }

  matmul(x: Activation, weight: LinearWeight, out: Activation, rows: number): void {
    const input = this.own('matmul', 'x', x, GpuActivation);
    const linear = this.own('matmul', 'weight', weight, GpuLinear);
    const target = this.own('matmul', 'out', out, GpuActivation);
    if (input === target) {
      throw new WebGpuInvalidArgumentError('matmul out', 'x', 'out must be another activation than x');
    }
    this.checkRows('matmul', rows, input, target);
    checkEqual('matmul', 'x.cols', input.cols, linear.inFeatures, `the input features of ${linear.name}`);
    checkEqual(
      'matmul',
      'out.cols',
      target.cols,
      linear.outFeatures,
      `the output features of ${linear.name}`,
    );
    const { layout } = linear;
    if (layout.kind === 'dense') {
      recordDenseMatmul(this.context, layout.dense, input.buffer, target.buffer, target.cols, rows);
      return;
    }
    const scratch = this.gatherScratch.ensure(rows * layout.exl2.paddedInFeatures * 4);
    const splits = exl2SplitCount(layout.exl2, rows);
    const split =
      splits > 1
        ? { splits, partials: this.splitScratch.ensure(splits * rows * target.cols * 4) }
        : undefined;
    recordExl2Matmul(
      this.context,
      layout.exl2,
      input.buffer,
      input.cols,
      scratch,
      target.buffer,
      target.cols,
      rows,
      split,
    );
  }

  rope(x: Activation, rows: number, params: RopeParams): void {
    const input = this.own('rope', 'x', x, GpuActivation);
    this.checkRows('rope', rows, input);
    checkInteger('rope', 'params.headDim', params.headDim, 2, 4096);
    if (params.headDim % 2 !== 0) {
      throw new WebGpuInvalidArgumentError('rope params.headDim', params.headDim, 'expected an even number');
    }
    checkInteger('rope', 'params.numHeads', params.numHeads, 1, Math.floor(input.cols / params.headDim));
    checkInteger('rope', 'params.startPosition', params.startPosition, 0, 2 ** 24);
    checkPositive('rope', 'params.theta', params.theta);
    const table = this.ropeTables.ensure(params.theta, params.headDim, params.startPosition + rows);
    recordRope(this.context, input.buffer, table, {
      rows,
      cols: input.cols,
      numHeads: params.numHeads,
      headDim: params.headDim,
      startPosition: params.startPosition,
    });
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
    const query = this.own(op, 'q', q, GpuActivation);
    const key = this.own(op, 'k', k, GpuActivation);
    const value = this.own(op, 'v', v, GpuActivation);
    const kvCache = this.own(op, 'cache', cache, GpuKvCache);
    const target = this.own(op, 'out', out, GpuActivation);
    this.checkRows(op, rows, query, key, value, target);
    const { spec } = kvCache;
    checkInteger(op, 'params.layer', params.layer, 0, spec.numLayers - 1);
    checkEqual(op, 'params.numKvHeads', params.numKvHeads, spec.numKvHeads, 'the cache numKvHeads');
    checkEqual(op, 'params.headDim', params.headDim, spec.headDim, 'the cache headDim');
    checkInteger(op, 'params.numHeads', params.numHeads, 1, 65536);
    if (params.numHeads % params.numKvHeads !== 0) {
      throw new WebGpuInvalidArgumentError(
        `${op} params.numHeads`,
        params.numHeads,
        'expected a multiple of numKvHeads',
      );
    }
    checkInteger(op, 'params.startPosition', params.startPosition, 0, spec.maxSequenceLength - rows);
    checkEqual(op, 'q.cols', query.cols, params.numHeads * params.headDim, 'numHeads * headDim');
    checkEqual(op, 'k.cols', key.cols, spec.numKvHeads * spec.headDim, 'numKvHeads * headDim');
    checkEqual(op, 'v.cols', value.cols, key.cols, 'k.cols');
    checkEqual(op, 'out.cols', target.cols, query.cols, 'q.cols');
    const shape = {
      dtype: spec.dtype,
      rows,
      startPosition: params.startPosition,
      numHeads: params.numHeads,
      numKvHeads: params.numKvHeads,
      headDim: params.headDim,
    };
    const scratch = this.attentionScratch.ensure(attentionScratchFloats(shape) * 4);
    recordAttention(this.context, shape, {
      q: query.buffer,
      k: key.buffer,
      v: value.buffer,
      keys: kvCache.keys[params.layer]!,
      values: kvCache.values[params.layer]!,
      scratch,
      out: target.buffer,
    });
  }

  swiglu(gate: Activation, up: Activation, out: Activation, rows: number): void {
    const g = this.own('swiglu', 'gate', gate, GpuActivation);
    const u = this.own('swiglu', 'up', up, GpuActivation);
    const target = this.own('swiglu', 'out', out, GpuActivation);
    this.checkRows('swiglu', rows, g, u, target);
    checkEqual('swiglu', 'up.cols', u.cols, g.cols, 'gate.cols');
    checkEqual('swiglu', 'out.cols', target.cols, g.cols, 'gate.cols');
    recordElementwise(this.context, 'swiglu', g.buffer, u.buffer, target.buffer, rows * g.cols);
  }

  add(a: Activation, b: Activation, out: Activation, rows: number): void {
    const left = this.own('add', 'a', a, GpuActivation);
    const right = this.own('add', 'b', b, GpuActivation);
    const target = this.own('add', 'out', out, GpuActivation);
    this.checkRows('add', rows, left, right, target);
    checkEqual('add', 'b.cols', right.cols, left.cols, 'a.cols');
    checkEqual('add', 'out.cols', target.cols, left.cols, 'a.cols');
    recordElementwise(this.context, 'add', left.buffer, right.buffer, target.buffer, rows * left.cols);
  }

  copyRows(src: Activation, srcRow: number, dst: Activation, dstRow: number, rowCount: number): void {
    const source = this.own('copyRows', 'src', src, GpuActivation);
    const target = this.own('copyRows', 'dst', dst, GpuActivation);
    checkEqual('copyRows', 'dst.cols', target.cols, source.cols, 'src.cols');
    checkInteger('copyRows', 'rowCount', rowCount, 1, Math.min(source.rows, target.rows));
    checkInteger('copyRows', 'srcRow', srcRow, 0, source.rows - rowCount);
    checkInteger('copyRows', 'dstRow', dstRow, 0, target.rows - rowCount);
    const rowBytes = source.cols * 4;
    if (source === target && Math.abs(srcRow - dstRow) < rowCount) {
      // copyBufferToBuffer rejects overlapping ranges of one buffer, so go through a scratch buffer.
      const scratch = this.gatherScratch.ensure(rowCount * rowBytes);
      this.context.copy(source.buffer, srcRow * rowBytes, scratch, 0, rowCount * rowBytes);
      this.context.copy(scratch, 0, target.buffer, dstRow * rowBytes, rowCount * rowBytes);
      return;
    }
    this.context.copy(
      source.buffer,
      srcRow * rowBytes,
      target.buffer,
      dstRow * rowBytes,
      rowCount * rowBytes,
    );
  }

  async sample(
    logits: Activation,
    row: number,
    params: DeviceSamplingParams,
    uniform: number,
  ): Promise<number> {
    const source = this.own('sample', 'logits', logits, GpuActivation);
    checkInteger('sample', 'row', row, 0, source.rows - 1);
    if (!Number.isFinite(params.temperature) || params.temperature < 0) {
      throw new WebGpuInvalidArgumentError(
        'sample params.temperature',
        params.temperature,
        'expected a finite number ≥ 0',
      );
    }
    checkInteger('sample', 'params.topK', params.topK, 0, 2 ** 31 - 1);
    if (!(params.topP > 0 && params.topP <= 1)) {
      throw new WebGpuInvalidArgumentError('sample params.topP', params.topP, 'expected a number in (0, 1]');
    }
    if (!(uniform >= 0 && uniform < 1)) {
      throw new WebGpuInvalidArgumentError('sample uniform', uniform, 'expected a number in [0, 1)');
    }
    return sampleOnDevice(this.context, source.buffer, row, source.cols, this.sampleResult, params, uniform);
  }

  release(resource: BackendResource): void {
    const handle = resource as unknown as { owner?: symbol; released?: boolean; buffers?: () => GPUBuffer[] };
    if (handle.owner !== this.owner || typeof handle.buffers !== 'function') {
      throw new WebGpuInvalidArgumentError(
        'release resource',
        String(resource),
        'expected a handle of this backend',
      );
    }
    if (handle.released) return;
    handle.released = true;
    this.handles.delete(handle as { released: boolean; buffers(): GPUBuffer[] });
    for (const buffer of handle.buffers()) this.context.destroyBuffer(buffer);
  }

  synchronize(): Promise<void> {
    return this.context.synchronize();
  }

  checkModelFits(shape: ModelFitShape, availableBytes?: number): ModelFitReport {
    return checkModelFits(shape, this.context, availableBytes);
  }

  async readKernelTimings(): Promise<KernelTiming[]> {
    const totals = await this.context.takeTimings();
    return [...totals].map(([kernel, total]) => ({ kernel, ...total }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const handle of this.handles) handle.released = true;
    this.handles.clear();
    this.context.dispose();
    this.onDispose();
  }

  private track<T extends { released: boolean; buffers(): GPUBuffer[] }>(handle: T): T {
    this.handles.add(handle);
    return handle;
  }

  private own<T extends { owner: symbol; released: boolean }>(
    op: string,
    name: string,
    value: unknown,
    kind: HandleClass<T>,
  ): T {
    if (this.disposed)
      throw new WebGpuDisposedError(`${op}: this WebGPU backend was disposed; create a new one.`);
    if (!(value instanceof kind) || value.owner !== this.owner) {
      throw new WebGpuInvalidArgumentError(
        `${op} ${name}`,
        describe(value),
        `expected a ${kind.name} of this backend`,
      );
    }
    if (value.released) {
      throw new WebGpuDisposedError(`${op}: ${name} was released; create or upload it again.`);
    }
    this.context.check();
    return value;
  }

  private checkRows(op: string, rows: number, ...activations: GpuActivation[]): void {
    const limit = Math.min(...activations.map((activation) => activation.rows));
    checkInteger(op, 'rows', rows, 1, limit);
  }
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return value.constructor?.name ?? 'object';
}
