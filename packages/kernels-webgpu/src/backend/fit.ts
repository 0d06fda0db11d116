import { formatBytes } from '../errors.js';

/** Shape of a LLaMA-family model, for `WebGpuBackend.checkModelFits`. */
export interface ModelFitShape {
  /** Hidden size. */
  hiddenSize: number;
  /** Feed-forward width. */
  intermediateSize: number;
  /** Decoder layers. */
  numLayers: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads. */
  numKvHeads: number;
  /** Features per head. */
  headDim: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** Positions of the key/value cache. */
  contextLength: number;
  /** Tokens per prefill chunk (rows of the activations). */
  prefillChunkSize: number;
  /** Key/value cache storage. */
  kvCacheDtype: 'f32' | 'f16';
  /** Embedding table storage. */
  embeddingDtype: 'f32' | 'f16';
  /** Average bits per weight of the decoder's linear layers: 2 to 8 for EXL2, 16 or 32 for dense. */
  bitsPerWeight: number;
  /** Bits per weight of the output head. */
  headBitsPerWeight: number;
}

/** Result of `WebGpuBackend.checkModelFits`. */
export interface ModelFitReport {
  /** Whether every tensor can be allocated within the device's limits (and the budget, when given). */
  fits: boolean;
  /** Estimated device memory for weights, cache and activations, in bytes. */
  totalBytes: number;
  /** One sentence per problem, naming the tensor, what it needs and what the device allows. */
  problems: string[];
}

/**
 * Checks a model shape against the device limits the backend works with, before any weight is
 * uploaded. Weights and the embedding table are split by output features, so only one output
 * feature (column) of them must fit a binding. Activations and each layer's key or value cache are
 * single bindings. `availableBytes`, when known, bounds the total.
 */
export function checkModelFits(
  shape: ModelFitShape,
  limits: { maxBindingBytes: number; maxBufferBytes: number },
  availableBytes?: number,
): ModelFitReport {
  const problems: string[] = [];
  const maxSingle = Math.min(limits.maxBindingBytes, limits.maxBufferBytes);
  const requireSingle = (name: string, bytes: number, advice: string): void => {
    if (bytes > maxSingle) {
      problems.push(
        `${name} needs ${formatBytes(bytes)} in one binding but the device allows ${formatBytes(maxSingle)}: ${advice}.`,
      );
    }
  };

  const { hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize } = shape;
  const qDim = numHeads * headDim;
  const kvDim = numKvHeads * headDim;
  const layerWeights =
    hiddenSize * (qDim + 2 * kvDim) + qDim * hiddenSize + 3 * hiddenSize * intermediateSize;
  const weightBytes =
    (numLayers * layerWeights * shape.bitsPerWeight) / 8 +
    (vocabSize * hiddenSize * shape.headBitsPerWeight) / 8;
  const embeddingBytes = vocabSize * hiddenSize * (shape.embeddingDtype === 'f16' ? 2 : 4);
  requireSingle('one embedding row', hiddenSize * 4, 'no device can run this hidden size');
  requireSingle(
    'one column of the widest layer',
    ((Math.max(hiddenSize, intermediateSize) * Math.max(shape.bitsPerWeight, shape.headBitsPerWeight)) / 8) *
      32,
    'no device can run this layer width',
  );

  const kvLayerBytes = shape.contextLength * kvDim * (shape.kvCacheDtype === 'f16' ? 2 : 4);
  requireSingle('one layer of the key/value cache', kvLayerBytes, 'use a shorter context or an f16 cache');
  const rows = shape.prefillChunkSize;
  const widest = Math.max(hiddenSize, intermediateSize, qDim);
  requireSingle(`an activation [${rows}, ${widest}]`, rows * widest * 4, 'use a smaller prefill chunk');
  requireSingle(`the logits [1, ${vocabSize}]`, vocabSize * 4, 'the vocabulary is too large for this device');
  const activationBytes =
    rows * (4 * hiddenSize + 2 * qDim + 2 * kvDim + 2 * intermediateSize) * 4 + vocabSize * 4;
  const cacheBytes = 2 * numLayers * kvLayerBytes;

  const totalBytes = Math.ceil(weightBytes + embeddingBytes + cacheBytes + activationBytes);
  if (availableBytes !== undefined && totalBytes > availableBytes) {
    problems.push(
      `The model needs about ${formatBytes(totalBytes)} (weights ${formatBytes(weightBytes + embeddingBytes)}, ` +
        `cache ${formatBytes(cacheBytes)}) but only ${formatBytes(availableBytes)} are available: use a lower bit rate, ` +
        'a shorter context or an f16 cache.',
    );
  }
  return { fits: problems.length === 0, totalBytes, problems };
}
