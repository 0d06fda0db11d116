import type { Activation, Backend, BackendResource, KvCache, StorageDType } from '../backend/interface.js';
import type { ModelConfig } from './config.js';
import type { ModelWeights } from './weights.js';

/** Activations of one forward pass, sized for `chunkSize` tokens at once. */
interface ForwardBuffers {
  /** Residual stream `[chunk, hidden]`. */
  x: Activation;
  /** Normalized input of a sublayer `[chunk, hidden]`. */
  xNorm: Activation;
  /** Queries `[chunk, numHeads * headDim]`. */
  q: Activation;
  /** Keys and values of the new positions `[chunk, numKvHeads * headDim]`. */
  k: Activation;
  v: Activation;
  /** Attention output `[chunk, numHeads * headDim]`. */
  attention: Activation;
  /** Output of a sublayer before the residual add `[chunk, hidden]`. */
  sublayerOut: Activation;
  /** Gate and up projections `[chunk, intermediate]`. */
  gate: Activation;
  up: Activation;
  /** The last row of the residual stream and its normalization `[1, hidden]`. */
  last: Activation;
  lastNorm: Activation;
  /** Logits of the last row `[1, vocab]`. */
  logits: Activation;
}

/**
 * The LLaMA decoder on a backend: one preallocated set of activations and a KV cache, reused for every
 * chunk of a prefill and every decode step.
 */
export class ForwardPass {
  readonly chunkSize: number;
  readonly cache: KvCache;
  private readonly buffers: ForwardBuffers;
  private readonly resources: BackendResource[];

  constructor(
    private readonly backend: Backend,
    private readonly config: ModelConfig,
    private readonly weights: ModelWeights,
    options: { chunkSize: number; contextLength: number; kvCacheDtype: StorageDType },
  ) {
    const { hiddenSize, intermediateSize, numHeads, numKvHeads, headDim, vocabSize, numLayers } = config;
    const chunk = options.chunkSize;
    this.chunkSize = chunk;
    const created: BackendResource[] = [];
    const make = (rows: number, cols: number, label: string): Activation => {
      const activation = backend.createActivation(rows, cols, label);
      created.push(activation);
      return activation;
    };
    try {
      this.buffers = {
        x: make(chunk, hiddenSize, 'x'),
        xNorm: make(chunk, hiddenSize, 'xNorm'),
        q: make(chunk, numHeads * headDim, 'q'),
        k: make(chunk, numKvHeads * headDim, 'k'),
        v: make(chunk, numKvHeads * headDim, 'v'),
        attention: make(chunk, numHeads * headDim, 'attention'),
        sublayerOut: make(chunk, hiddenSize, 'sublayerOut'),
        gate: make(chunk, intermediateSize, 'gate'),
        up: make(chunk, intermediateSize, 'up'),
        last: make(1, hiddenSize, 'last'),
        lastNorm: make(1, hiddenSize, 'lastNorm'),
        logits: make(1, vocabSize, 'logits'),
      };
      this.cache = backend.createKvCache({
        numLayers,
        maxSequenceLength: options.contextLength,
        numKvHeads,
        headDim,
        dtype: options.kvCacheDtype,
      });
      created.push(this.cache);
    } catch (error) {
      for (const resource of created) backend.release(resource);
      throw error;
    }
    this.resources = created;
  }

  /** Logits `[1, vocab]` written by the last {@link ForwardPass.forward} call that asked for them. */
  get logits(): Activation {
    return this.buffers.logits;
  }

  /**
   * Records the decoder for `tokens` (at most `chunkSize`) at positions `startPosition..`, storing their
   * keys and values in the cache. With `computeLogits`, the logits of the last token land in
   * {@link ForwardPass.logits}; earlier prefill chunks skip the classifier.
   */
  forward(tokens: Int32Array, startPosition: number, computeLogits: boolean): void {
    const backend = this.backend;
    const config = this.config;
    const weights = this.weights;
    const { x, xNorm, q, k, v, attention, sublayerOut, gate, up, last, lastNorm, logits } = this.buffers;
    const { numHeads, numKvHeads, headDim, rmsNormEps, ropeTheta } = config;
    const rows = tokens.length;

    // Token embeddings: x[rows, hidden] = embedding[tokens].
    backend.embed(weights.embedding, tokens, x);

    for (let layer = 0; layer < config.numLayers; layer++) {
      const w = weights.layers[layer]!;

      // Attention RMSNorm: xNorm = rmsnorm(x) * attentionNorm.
      backend.rmsNorm(x, w.attentionNorm, rmsNormEps, xNorm, rows);

      // Projections: q[rows, numHeads * headDim], k and v[rows, numKvHeads * headDim].
      backend.matmul(xNorm, w.queryProjection, q, rows);
      backend.matmul(xNorm, w.keyProjection, k, rows);
      backend.matmul(xNorm, w.valueProjection, v, rows);

      // RoPE (rotate-half) on queries and keys at their positions.
      backend.rope(q, rows, { numHeads, headDim, startPosition, theta: ropeTheta });
      backend.rope(k, rows, { numHeads: numKvHeads, headDim, startPosition, theta: ropeTheta });

      // Causal attention over the cache, which first receives k and v: attention[rows, numHeads * headDim].
      backend.attention(
        q,
        k,
        v,
        this.cache,
        rows,
        { layer, startPosition, numHeads, numKvHeads, headDim },
        attention,
      );

      // Output projection and residual: x += attention @ Wo.
      backend.matmul(attention, w.outputProjection, sublayerOut, rows);
      backend.add(x, sublayerOut, x, rows);

      // Feed-forward RMSNorm: xNorm = rmsnorm(x) * feedForwardNorm.
      backend.rmsNorm(x, w.feedForwardNorm, rmsNormEps, xNorm, rows);

      // SwiGLU: gate[rows, intermediate] = silu(xNorm @ Wgate) * (xNorm @ Wup).
      backend.matmul(xNorm, w.gateProjection, gate, rows);
      backend.matmul(xNorm, w.upProjection, up, rows);
      backend.swiglu(gate, up, gate, rows);

      // Down projection and residual: x += gate @ Wdown.
      backend.matmul(gate, w.downProjection, sublayerOut, rows);
      backend.add(x, sublayerOut, x, rows);
    }

    if (!computeLogits) return;

    // Final RMSNorm of the last token only, then the classifier: logits[1, vocab].
    backend.copyRows(x, rows - 1, last, 0, 1);
    backend.rmsNorm(last, weights.finalNorm, rmsNormEps, lastNorm, 1);
    backend.matmul(lastNorm, weights.classifier, logits, 1);
  }

  /** Releases the activations and the cache. */
  dispose(): void {
    for (const resource of this.resources.splice(0)) this.backend.release(resource);
  }
}
