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
  validateLinearData,
  type WeightVector,
} from '@minichat/runtime';
import { GPU } from 'gpu.js';
import { TextureLimitError } from './errors.js';
import { unpackExl2 } from './exl2-unpack.js';
import { halvesToFloats } from './half.js';
import { KernelRunner, modeOfKernelClass } from './kernel-runner.js';
import {
  attentionOutputKernel,
  attentionScoreKernel,
  denseMatmulKernel,
  exl2MatmulKernel,
} from './kernel-sources.js';
import { type GpuJsMode, type GpuJsModeRequest, resolveGpuJsMode } from './modes.js';
import { runAdd, runEmbed, runRmsNorm, runRope, runSwiglu, storeKeysAndValues } from './ops.js';
import {
  GpuJsActivation,
  GpuJsDenseLinear,
  GpuJsEmbedding,
  GpuJsExl2Linear,
  GpuJsKvCache,
  GpuJsVector,
  type OwnedResource,
} from './resources.js';
import { sampleLogits } from './sample.js';

/**
 * Maximum number of elements of one kernel argument in the `webgl` mode. gpu.js computes texel addresses with
 * GLSL `int`, but WebGL 1 only requires `highp int` to reach 2^16, and GPUs that implement it with f32
 * (common on phones) represent every integer only up to 2^24.
 */
export const WEBGL1_MAX_ARGUMENT_ELEMENTS = 2 ** 24;

/** The runtime's `Backend` on gpu.js, with the mode it runs in. */
export interface GpuJsBackend extends Backend {
  /** The gpu.js mode the kernels run in. */
  readonly mode: GpuJsMode;
  /**
   * Lists the gpu.js engines the compiled kernels actually run on. It equals `[mode]` unless gpu.js moved
   * a kernel it could not build to its CPU fallback, which then adds `cpu`.
   */
  kernelEngines(): string[];
}

/** Options of {@link createGpuJsBackend}. */
export interface GpuJsBackendOptions {
  /**
   * The gpu.js mode. Default `auto`: the first available of `webgl2`, `webgl`, `headlessgl`, `webasm` and
   * `cpu`. Ignored when `gpu` is given.
   */
  mode?: GpuJsModeRequest;
  /**
   * A gpu.js instance to compile kernels on, for example one created on a given canvas or WebGL context.
   * Its kernel class sets the mode, which must be one of the backend's modes, else
   * {@link UnavailableModeError} is raised. The backend does not destroy it. Default: a new instance in
   * `mode`, destroyed by `dispose()`.
   */
  gpu?: GPU;
}

/**
 * Creates a backend that runs every op as gpu.js kernels, so the runtime runs on WebGL2 or WebGL where
 * WebGPU is missing, and in Node on headless-gl, WebAssembly or plain JavaScript.
 *
 * @throws {@link UnavailableModeError} when `mode` cannot run on this platform; the error lists the modes
 *   that can
 * @example
 * ```ts
 * const backend = createGpuJsBackend({ mode: 'auto' });
 * console.log(backend.name); // for example "gpujs-webgl2" in a browser
 * ```
 */
export function createGpuJsBackend(options: GpuJsBackendOptions = {}): GpuJsBackend {
  if (options.gpu !== undefined) {
    // gpu.js picks its kernel class when the instance is created; that class decides the mode.
    const mode = modeOfKernelClass(options.gpu.Kernel);
    return new GpuJsBackendImpl(options.gpu, resolveGpuJsMode(mode as GpuJsMode), false);
  }
  const mode = resolveGpuJsMode(options.mode ?? 'auto');
  return new GpuJsBackendImpl(new GPU({ mode }), mode, true);
}

class GpuJsBackendImpl implements GpuJsBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly name: string;
  readonly info: BackendInfo;
  private readonly owner = Symbol('gpujs-backend');
  private readonly resources = new Set<OwnedResource>();
  private readonly runner: KernelRunner;
  private disposed = false;

  constructor(
    private readonly gpu: GPU,
    readonly mode: GpuJsMode,
    private readonly ownsGpu: boolean,
  ) {
    this.name = `gpujs-${mode}`;
    this.info = { description: `gpu.js 2.24 in ${mode} mode (f32 kernels)`, precision: 'f32' };
    this.runner = new KernelRunner(gpu, mode);
  }

  createActivation(rows: number, cols: number): Activation {
    checkInteger('createActivation', 'rows', rows, 1, 2 ** 24);
    checkInteger('createActivation', 'cols', cols, 1, 2 ** 24);
    return this.track(new GpuJsActivation(this.owner, rows, cols));
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
    this.checkArgumentSize('kv cache layer', spec.maxSequenceLength * spec.numKvHeads * spec.headDim);
    return this.track(new GpuJsKvCache(this.owner, { ...spec }));
  }

  uploadVector(data: Float32Array): WeightVector {
    checkInteger('uploadVector', 'data.length', data.length, 1, 2 ** 30);
    return this.track(new GpuJsVector(this.owner, data.slice()));
  }

  uploadEmbedding(data: EmbeddingData, label = 'embedding'): EmbeddingTable {
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
    this.checkArgumentSize(label, data.data.length);
    const values = data.data instanceof Uint16Array ? halvesToFloats(data.data) : data.data;
    const table = this.runner.upload(values, [data.dim, data.vocabSize]);
    return this.track(new GpuJsEmbedding(this.owner, data.vocabSize, data.dim, table));
  }

  uploadLinear(data: LinearWeightData): LinearWeight {
    validateLinearData(data);
    if (data.kind === 'dense') {
      this.checkArgumentSize(data.name, data.data.length);
      const values = data.data instanceof Uint16Array ? halvesToFloats(data.data) : data.data.slice();
      const weight = this.runner.upload(values, [data.inFeatures, data.outFeatures]);
      return this.track(new GpuJsDenseLinear(this.owner, data.inFeatures, data.outFeatures, weight));
    }
    const unpacked = unpackExl2(data);
    this.checkArgumentSize(data.name, unpacked.codes.length);
    const { outFeatures } = data;
    const codes = this.runner.upload(unpacked.codes, [outFeatures, unpacked.paddedRows / 3]);
    const scales = this.runner.upload(unpacked.scales, [outFeatures, unpacked.scales.length / outFeatures]);
    const { inputIndex, zeroPoint, groupIndex, bias } = unpacked;
    const rowArrays = { inputIndex, zeroPoint, groupIndex, bias };
    const texelRows = unpacked.paddedRows / 3;
    return this.track(
      new GpuJsExl2Linear(this.owner, data.inFeatures, outFeatures, texelRows, rowArrays, codes, scales),
    );
  }

  writeActivation(dst: Activation, data: Float32Array, rowOffset = 0): void {
    const target = this.own('writeActivation', 'dst', dst, GpuJsActivation);
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
    const source = this.own('readActivation', 'src', src, GpuJsActivation);
    checkInteger('readActivation', 'rowStart', rowStart, 0, source.rows - 1);
    checkInteger('readActivation', 'rowCount', rowCount, 1, source.rows - rowStart);
    return source.data.slice(rowStart * source.cols, (rowStart + rowCount) * source.cols);
  }

  embed(table: EmbeddingTable, tokens: Int32Array, out: Activation): void {
    const op = 'embed';
    const embedding = this.own(op, 'table', table, GpuJsEmbedding);
    const target = this.own(op, 'out', out, GpuJsActivation);
    checkInteger(op, 'tokens.length', tokens.length, 1, target.rows);
    checkEqual(op, 'out.cols', target.cols, embedding.dim, 'the embedding width');
    for (const token of tokens) checkInteger(op, 'token', token, 0, embedding.vocabSize - 1);
    runEmbed(this.runner, embedding, tokens, target);
  }

  rmsNorm(x: Activation, weight: WeightVector, eps: number, out: Activation, rows: number): void {
    const op = 'rmsNorm';
    const input = this.own(op, 'x', x, GpuJsActivation);
    const norm = this.own(op, 'weight', weight, GpuJsVector);
    const target = this.own(op, 'out', out, GpuJsActivation);
    this.checkRows(op, rows, input, target);
    checkEqual(op, 'weight.length', norm.length, input.cols, 'x.cols');
    checkEqual(op, 'out.cols', target.cols, input.cols, 'x.cols');
    checkPositive(op, 'eps', eps);
    runRmsNorm(this.runner, input, norm, eps, target, rows);
  }

  matmul(x: Activation, weight: LinearWeight, out: Activation, rows: number): void {
    const op = 'matmul';
    const input = this.own(op, 'x', x, GpuJsActivation);
    const linear = this.ownLinear(weight);
    const target = this.own(op, 'out', out, GpuJsActivation);
    if (input === target)
      throw new BackendUsageError(op, 'out', 'x', 'out must be another activation than x');
    this.checkRows(op, rows, input, target);
    checkEqual(op, 'x.cols', input.cols, linear.inFeatures, 'the layer input features');
    checkEqual(op, 'out.cols', target.cols, linear.outFeatures, 'the layer output features');

    const { inFeatures, outFeatures } = linear;
    const xGrid = { data: input.data.subarray(0, rows * inFeatures), shape: [inFeatures, rows] };
    let result: Float32Array;
    if (linear instanceof GpuJsDenseLinear) {
      result = this.runner.run('denseMatmul', denseMatmulKernel, [outFeatures, rows], { inFeatures }, [
        xGrid,
        linear.weight,
      ]);
    } else {
      const { texelRows, rowArrays } = linear;
      result = this.runner.run('exl2Matmul', exl2MatmulKernel, [outFeatures, rows], { texelRows }, [
        xGrid,
        linear.codes,
        rowArrays.inputIndex,
        rowArrays.zeroPoint,
        rowArrays.groupIndex,
        linear.scales,
        rowArrays.bias,
      ]);
    }
    target.data.set(result);
  }

  rope(x: Activation, rows: number, params: RopeParams): void {
    const op = 'rope';
    const input = this.own(op, 'x', x, GpuJsActivation);
    this.checkRows(op, rows, input);
    checkInteger(op, 'params.headDim', params.headDim, 2, 4096);
    if (params.headDim % 2 !== 0) {
      throw new BackendUsageError(op, 'params.headDim', params.headDim, 'expected an even number');
    }
    checkInteger(op, 'params.numHeads', params.numHeads, 1, input.cols / params.headDim);
    checkInteger(op, 'params.startPosition', params.startPosition, 0, 2 ** 24);
    checkPositive(op, 'params.theta', params.theta);
    runRope(this.runner, input, rows, params);
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
    const query = this.own(op, 'q', q, GpuJsActivation);
    const key = this.own(op, 'k', k, GpuJsActivation);
    const value = this.own(op, 'v', v, GpuJsActivation);
    const kvCache = this.own(op, 'cache', cache, GpuJsKvCache);
    const target = this.own(op, 'out', out, GpuJsActivation);
    this.checkRows(op, rows, query, key, value, target);
    const { spec } = kvCache;
    const { layer, startPosition, numHeads, numKvHeads, headDim } = params;
    checkAttentionArguments(rows, params, spec, { q: query, k: key, v: value, out: target });

    storeKeysAndValues(kvCache, key, value, rows, params);

    // Kernels cover the positions up to the last row's own, rounded up to a power of two so that decode
    // steps reuse a few compiled kernels instead of compiling one per position.
    const positions = Math.min(
      spec.maxSequenceLength,
      2 ** Math.ceil(Math.log2(Math.max(16, startPosition + rows))),
    );
    const kvCols = numKvHeads * headDim;
    const headsPerKvHead = numHeads / numKvHeads;
    const queries = { data: query.data.subarray(0, rows * query.cols), shape: [query.cols, rows] };
    const keys = { data: kvCache.keys[layer]!.subarray(0, positions * kvCols), shape: [kvCols, positions] };
    const scores = this.runner.run(
      'attentionScore',
      attentionScoreKernel,
      [positions, numHeads, rows],
      { headDim, headsPerKvHead, scale: 1 / Math.sqrt(headDim) },
      [queries, keys, startPosition],
    );
    const values = {
      data: kvCache.values[layer]!.subarray(0, positions * kvCols),
      shape: [kvCols, positions],
    };
    const result = this.runner.run(
      'attentionOutput',
      attentionOutputKernel,
      [query.cols, rows],
      { headDim, headsPerKvHead, positions },
      [{ data: scores, shape: [positions, numHeads, rows] }, values, startPosition],
    );
    target.data.set(result);
  }

  swiglu(gate: Activation, up: Activation, out: Activation, rows: number): void {
    const op = 'swiglu';
    const g = this.own(op, 'gate', gate, GpuJsActivation);
    const u = this.own(op, 'up', up, GpuJsActivation);
    const target = this.own(op, 'out', out, GpuJsActivation);
    this.checkRows(op, rows, g, u, target);
    checkEqual(op, 'up.cols', u.cols, g.cols, 'gate.cols');
    checkEqual(op, 'out.cols', target.cols, g.cols, 'gate.cols');
    runSwiglu(this.runner, g, u, target, rows);
  }

  add(a: Activation, b: Activation, out: Activation, rows: number): void {
    const op = 'add';
    const left = this.own(op, 'a', a, GpuJsActivation);
    const right = this.own(op, 'b', b, GpuJsActivation);
    const target = this.own(op, 'out', out, GpuJsActivation);
    this.checkRows(op, rows, left, right, target);
    checkEqual(op, 'b.cols', right.cols, left.cols, 'a.cols');
    checkEqual(op, 'out.cols', target.cols, left.cols, 'a.cols');
    runAdd(this.runner, left, right, target, rows);
  }

  copyRows(src: Activation, srcRow: number, dst: Activation, dstRow: number, rowCount: number): void {
    const op = 'copyRows';
    const source = this.own(op, 'src', src, GpuJsActivation);
    const target = this.own(op, 'dst', dst, GpuJsActivation);
    checkEqual(op, 'dst.cols', target.cols, source.cols, 'src.cols');
    checkInteger(op, 'rowCount', rowCount, 1, Math.min(source.rows, target.rows));
    checkInteger(op, 'srcRow', srcRow, 0, source.rows - rowCount);
    checkInteger(op, 'dstRow', dstRow, 0, target.rows - rowCount);
    // Activations live in host memory, so a row copy is a plain memory copy, not a kernel.
    const cols = source.cols;
    target.data.set(source.data.slice(srcRow * cols, (srcRow + rowCount) * cols), dstRow * cols);
  }

  async sample(
    logits: Activation,
    row: number,
    params: DeviceSamplingParams,
    uniform: number,
  ): Promise<number> {
    const op = 'sample';
    const source = this.own(op, 'logits', logits, GpuJsActivation);
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
    // NOTE: the draw runs on the host over the logits row, because gpu.js has no sort or scan for the GPU.
    return sampleLogits(source.data.subarray(row * source.cols, (row + 1) * source.cols), params, uniform);
  }

  release(resource: BackendResource): void {
    const owned = resource as unknown as OwnedResource;
    if (!this.resources.has(owned)) {
      throw new BackendUsageError(
        'release',
        'resource',
        resource,
        'expected a live resource of this backend',
      );
    }
    owned.released = true;
    this.resources.delete(owned);
    this.freeTextures(owned);
  }

  private freeTextures(resource: OwnedResource): void {
    if (resource instanceof GpuJsEmbedding) this.runner.free(resource.table);
    if (resource instanceof GpuJsDenseLinear) this.runner.free(resource.weight);
    if (resource instanceof GpuJsExl2Linear) {
      this.runner.free(resource.codes);
      this.runner.free(resource.scales);
    }
  }

  kernelEngines(): string[] {
    return this.runner.engines();
  }

  async synchronize(): Promise<void> {
    // Every op has finished when it returns: gpu.js kernels run synchronously and results are read back.
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const resource of this.resources) {
      resource.released = true;
      this.freeTextures(resource);
    }
    this.resources.clear();
    this.runner.dispose();
    if (this.ownsGpu) void this.gpu.destroy();
  }

  private track<T extends OwnedResource>(resource: T): T {
    if (this.disposed) throw new BackendUsageError('create', 'backend', 'disposed', 'create a new backend');
    this.resources.add(resource);
    return resource;
  }

  private own<T extends OwnedResource>(
    op: string,
    field: string,
    value: unknown,
    type: abstract new (...args: never[]) => T,
  ): T {
    if (!(value instanceof type) || value.owner !== this.owner || value.released) {
      throw new BackendUsageError(op, field, value, `expected a live ${type.name} of this backend`);
    }
    return value;
  }

  private ownLinear(value: unknown): GpuJsDenseLinear | GpuJsExl2Linear {
    if (value instanceof GpuJsDenseLinear) return this.own('matmul', 'weight', value, GpuJsDenseLinear);
    return this.own('matmul', 'weight', value, GpuJsExl2Linear);
  }

  private checkRows(op: string, rows: number, ...activations: GpuJsActivation[]): void {
    checkInteger(op, 'rows', rows, 1, Math.min(...activations.map((activation) => activation.rows)));
  }

  private checkArgumentSize(label: string, elements: number): void {
    if (this.mode === 'webgl' && elements > WEBGL1_MAX_ARGUMENT_ELEMENTS) {
      throw new TextureLimitError(label, elements, WEBGL1_MAX_ARGUMENT_ELEMENTS);
    }
  }
}
