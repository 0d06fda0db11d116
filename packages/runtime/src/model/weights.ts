import type { Exl2Tensors, ModelReader } from '@minichat/exl2-format';
import type {
  Backend,
  BackendResource,
  EmbeddingData,
  EmbeddingTable,
  Exl2WeightData,
  LinearWeight,
  LinearWeightData,
  StorageDType,
  WeightVector,
} from '../backend/interface.js';
import { WeightShapeError } from '../errors.js';
import type { ModelConfig } from './config.js';

/** Weights of one decoder layer on a backend. */
export interface LayerWeights {
  attentionNorm: WeightVector;
  queryProjection: LinearWeight;
  keyProjection: LinearWeight;
  valueProjection: LinearWeight;
  outputProjection: LinearWeight;
  feedForwardNorm: WeightVector;
  gateProjection: LinearWeight;
  upProjection: LinearWeight;
  downProjection: LinearWeight;
}

/** Every weight of a model on a backend. */
export interface ModelWeights {
  embedding: EmbeddingTable;
  layers: LayerWeights[];
  finalNorm: WeightVector;
  classifier: LinearWeight;
  /** Every handle above, for release. */
  resources: BackendResource[];
}

/** Progress of model loading, reported after each tensor or EXL2 layer reaches the backend. */
export interface LoadProgress {
  /** Name of the tensor or layer prefix just uploaded. */
  tensor: string;
  /** Bytes of the files read so far. */
  loadedBytes: number;
  /** Bytes of the files that loading reads in total. */
  totalBytes: number;
}

/** Storage type of dense weights on the backend; `auto` keeps the file's precision. */
export type DenseWeightDType = 'auto' | 'f32' | 'f16';

/** Options of {@link loadModelWeights}. */
export interface LoadWeightsOptions {
  /** Storage of dense (unquantized) weights; `auto` keeps F32 as f32 and F16/BF16 as f16. */
  denseDtype: DenseWeightDType;
  /** Called after each upload. */
  onProgress: ((progress: LoadProgress) => void) | undefined;
  /** Aborts between tensors; uploaded weights are released. */
  signal: AbortSignal | undefined;
}

const LAYER_LINEARS = [
  ['queryProjection', 'self_attn.q_proj'],
  ['keyProjection', 'self_attn.k_proj'],
  ['valueProjection', 'self_attn.v_proj'],
  ['outputProjection', 'self_attn.o_proj'],
  ['gateProjection', 'mlp.gate_proj'],
  ['upProjection', 'mlp.up_proj'],
  ['downProjection', 'mlp.down_proj'],
] as const;

/**
 * Streams a model's weights from the reader to the backend one tensor (or EXL2 layer) at a time, so
 * host memory contains at most one layer's file bytes besides what the backend keeps. On failure or
 * abort, every handle uploaded so far is released.
 */
export async function loadModelWeights(
  reader: ModelReader,
  backend: Backend,
  config: ModelConfig,
  options: LoadWeightsOptions,
): Promise<ModelWeights> {
  const resources: BackendResource[] = [];
  const keep = <T extends BackendResource>(resource: T): T => {
    resources.push(resource);
    return resource;
  };
  const { hiddenSize, intermediateSize, numHeads, numKvHeads, headDim, vocabSize } = config;
  const linearShapes: Record<(typeof LAYER_LINEARS)[number][0], [number, number]> = {
    queryProjection: [hiddenSize, numHeads * headDim],
    keyProjection: [hiddenSize, numKvHeads * headDim],
    valueProjection: [hiddenSize, numKvHeads * headDim],
    outputProjection: [numHeads * headDim, hiddenSize],
    gateProjection: [hiddenSize, intermediateSize],
    upProjection: [hiddenSize, intermediateSize],
    downProjection: [intermediateSize, hiddenSize],
  };

  const names = plannedTensorNames(reader, config);
  const totalBytes = names.reduce((sum, name) => sum + reader.tensorInfo(name).byteLength, 0);
  let loadedBytes = 0;
  const report = (tensor: string, tensorNames: readonly string[]): void => {
    for (const name of tensorNames) loadedBytes += reader.tensorInfo(name).byteLength;
    options.onProgress?.({ tensor, loadedBytes, totalBytes });
  };

  try {
    const embeddingName = 'model.embed_tokens.weight';
    options.signal?.throwIfAborted();
    const embeddingData = await readEmbedding(reader, embeddingName, config, options);
    const embedding = keep(backend.uploadEmbedding(embeddingData, embeddingName));
    report(embeddingName, [embeddingName]);

    // The head is the largest linear layer and is read in one piece. Uploaded before the decoder layers,
    // its read buffer becomes garbage while the backend has little memory, not on top of every other weight.
    let classifier: LinearWeight;
    if (config.tieWordEmbeddings) {
      classifier = keep(
        backend.uploadLinear({
          kind: 'dense',
          name: 'lm_head (tied to model.embed_tokens.weight)',
          inFeatures: hiddenSize,
          outFeatures: vocabSize,
          dtype: embeddingData.dtype,
          data: embeddingData.data,
        }),
      );
    } else {
      options.signal?.throwIfAborted();
      classifier = keep(
        backend.uploadLinear(await readLinear(reader, 'lm_head', hiddenSize, vocabSize, options)),
      );
      report('lm_head', linearTensorNames(reader, 'lm_head'));
    }

    const layers: LayerWeights[] = [];
    for (let layer = 0; layer < config.numLayers; layer++) {
      const prefix = `model.layers.${layer}`;
      const attentionNorm = keep(
        await uploadNorm(reader, backend, `${prefix}.input_layernorm.weight`, hiddenSize, options),
      );
      report(`${prefix}.input_layernorm.weight`, [`${prefix}.input_layernorm.weight`]);
      const feedForwardNorm = keep(
        await uploadNorm(reader, backend, `${prefix}.post_attention_layernorm.weight`, hiddenSize, options),
      );
      report(`${prefix}.post_attention_layernorm.weight`, [`${prefix}.post_attention_layernorm.weight`]);
      const linears = {} as Record<(typeof LAYER_LINEARS)[number][0], LinearWeight>;
      for (const [key, suffix] of LAYER_LINEARS) {
        const [inFeatures, outFeatures] = linearShapes[key];
        const name = `${prefix}.${suffix}`;
        options.signal?.throwIfAborted();
        linears[key] = keep(
          backend.uploadLinear(await readLinear(reader, name, inFeatures, outFeatures, options)),
        );
        report(name, linearTensorNames(reader, name));
      }
      layers.push({ attentionNorm, feedForwardNorm, ...linears });
    }

    const finalNorm = keep(await uploadNorm(reader, backend, 'model.norm.weight', hiddenSize, options));
    report('model.norm.weight', ['model.norm.weight']);

    return { embedding, layers, finalNorm, classifier, resources };
  } catch (error) {
    for (const resource of resources.reverse()) backend.release(resource);
    throw error;
  }
}

function plannedTensorNames(reader: ModelReader, config: ModelConfig): string[] {
  const names = ['model.embed_tokens.weight', 'model.norm.weight'];
  for (let layer = 0; layer < config.numLayers; layer++) {
    const prefix = `model.layers.${layer}`;
    names.push(`${prefix}.input_layernorm.weight`, `${prefix}.post_attention_layernorm.weight`);
    for (const [, suffix] of LAYER_LINEARS) names.push(...linearTensorNames(reader, `${prefix}.${suffix}`));
  }
  if (!config.tieWordEmbeddings) names.push(...linearTensorNames(reader, 'lm_head'));
  return names;
}

function linearTensorNames(reader: ModelReader, prefix: string): string[] {
  const suffixes =
    reader.linear(prefix).kind === 'exl2'
      ? ['q_weight', 'q_scale', 'q_scale_max', 'q_groups', 'q_invperm', 'bias']
      : ['weight', 'bias'];
  return suffixes.map((suffix) => `${prefix}.${suffix}`).filter((name) => reader.hasTensor(name));
}

function storageDtype(stored: string, requested: DenseWeightDType): StorageDType {
  if (requested !== 'auto') return requested;
  return stored === 'F32' ? 'f32' : 'f16';
}

async function readEmbedding(
  reader: ModelReader,
  name: string,
  config: ModelConfig,
  options: LoadWeightsOptions,
): Promise<EmbeddingData> {
  const dtype = storageDtype(reader.tensorInfo(name).dtype, options.denseDtype);
  const tensor =
    dtype === 'f32'
      ? await reader.readDense(name, options.signal)
      : await reader.readDenseHalf(name, options.signal);
  checkShape(name, [config.vocabSize, config.hiddenSize], tensor.shape);
  return { vocabSize: config.vocabSize, dim: config.hiddenSize, dtype, data: tensor.data };
}

async function uploadNorm(
  reader: ModelReader,
  backend: Backend,
  name: string,
  size: number,
  options: LoadWeightsOptions,
): Promise<WeightVector> {
  options.signal?.throwIfAborted();
  const tensor = await reader.readDense(name, options.signal);
  checkShape(name, [size], tensor.shape);
  return backend.uploadVector(tensor.data, name);
}

async function readLinear(
  reader: ModelReader,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
  options: LoadWeightsOptions,
): Promise<LinearWeightData> {
  const descriptor = reader.linear(prefix);
  if (descriptor.kind === 'exl2') {
    const tensors = await reader.readExl2(prefix, options.signal);
    checkShape(prefix, [inFeatures, outFeatures], [tensors.inFeatures, tensors.outFeatures]);
    return exl2WeightData(tensors);
  }
  const name = `${prefix}.weight`;
  const dtype = storageDtype(descriptor.dtype, options.denseDtype);
  const tensor =
    dtype === 'f32'
      ? await reader.readDense(name, options.signal)
      : await reader.readDenseHalf(name, options.signal);
  // Dense weights keep PyTorch's [out, in] orientation.
  checkShape(name, [outFeatures, inFeatures], tensor.shape);
  return { kind: 'dense', name, inFeatures, outFeatures, dtype, data: tensor.data } as LinearWeightData;
}

/** Converts the format package's EXL2 tensors to the backend interface's upload record. */
export function exl2WeightData(tensors: Exl2Tensors): Exl2WeightData {
  const data: Exl2WeightData = {
    kind: 'exl2',
    name: tensors.name,
    inFeatures: tensors.inFeatures,
    outFeatures: tensors.outFeatures,
    paddedOutFeatures: tensors.paddedOutFeatures,
    qWeight: tensors.qWeight,
    qScale: tensors.qScale,
    qScaleMax: tensors.qScaleMax,
    groups: tensors.groups.map(({ bits, rows, rowStart, qRowStart }) => ({
      bits,
      rows,
      rowStart,
      qRowStart,
    })),
    perm: tensors.perm,
  };
  if (tensors.bias !== undefined) data.bias = tensors.bias;
  return data;
}

function checkShape(tensor: string, expected: readonly number[], actual: readonly number[]): void {
  if (expected.length !== actual.length || expected.some((size, i) => size !== actual[i])) {
    throw new WeightShapeError(tensor, expected, actual);
  }
}
