import type { ModelReader } from '@minichat/exl2-format';
import type { Tokenizer } from '@minichat/tokenizer';
import { BACKEND_SPECIFICATION_VERSION, type Backend, type StorageDType } from '../backend/interface.js';
import { ChatSession, type ChatSessionOptions } from '../chat/session.js';
import { BackendVersionError, InvalidOptionError, ModelStateError } from '../errors.js';
import { InferenceEngine } from '../generation/engine.js';
import type { GenerationEvent } from '../generation/events.js';
import {
  type GenerateOptions,
  type GenerationContext,
  preparePrompt,
  runGeneration,
} from '../generation/generate.js';
import { type ModelConfig, validateModelConfig } from './config.js';
import { ForwardPass } from './forward.js';
import { loadTokenizerFromSource } from './tokenizer.js';
import { type DenseWeightDType, type LoadProgress, loadModelWeights, type ModelWeights } from './weights.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** An opened model, from `openModel()` of `@minichat/exl2-format`. The caller closes it. */
  source: ModelReader;
  /** The kernel backend to run on. The model releases what it allocates there when disposed. */
  backend: Backend;
  /** Tokenizer to use. Default: the `tokenizer.model` or llama2.c `tokenizer.bin` beside the model. */
  tokenizer?: Tokenizer;
  /**
   * Positions in the KV cache (prompt plus output). Default: the model's `max_position_embeddings`.
   * The cache takes `2 * layers * contextLength * numKvHeads * headDim` values.
   */
  contextLength?: number;
  /** Storage of the KV cache. Default `f16`, which halves its memory; `f32` matches reference implementations exactly. */
  kvCacheDtype?: StorageDType;
  /** Storage of unquantized weights: `auto` keeps F32 as f32 and F16/BF16 as f16. Default `auto`. */
  denseDtype?: DenseWeightDType;
  /** Tokens computed at once during prefill. Default 64. */
  prefillChunkSize?: number;
  /** Called after each tensor or EXL2 layer reaches the backend. Default none. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts loading between tensors; everything uploaded so far is released. Default none. */
  signal?: AbortSignal;
}

/** Default of {@link LoadModelOptions.prefillChunkSize}. */
export const DEFAULT_PREFILL_CHUNK_SIZE = 64;

/**
 * Loads a LLaMA-family model onto a backend, streaming weights layer by layer, and returns a
 * {@link Model} ready to generate.
 *
 * @throws {@link BackendVersionError} when the backend implements another interface version
 * @throws {@link UnsupportedModelError} when the configuration cannot run here
 * @throws {@link WeightShapeError} when a tensor disagrees with config.json
 * @throws {@link InvalidOptionError} for an invalid option
 */
export async function loadModel(options: LoadModelOptions): Promise<Model> {
  const { source, backend } = options;
  if (backend.specificationVersion !== BACKEND_SPECIFICATION_VERSION) {
    throw new BackendVersionError(backend.name, BACKEND_SPECIFICATION_VERSION, backend.specificationVersion);
  }
  const config = validateModelConfig(source.config);
  const contextLength = options.contextLength ?? config.maxPositionEmbeddings;
  if (!Number.isInteger(contextLength) || contextLength < 2 || contextLength > config.maxPositionEmbeddings) {
    throw new InvalidOptionError(
      'contextLength',
      contextLength,
      `expected an integer in [2, ${config.maxPositionEmbeddings}] (the model's max_position_embeddings)`,
    );
  }
  const chunkSize = options.prefillChunkSize ?? DEFAULT_PREFILL_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new InvalidOptionError('prefillChunkSize', chunkSize, 'expected an integer >= 1');
  }
  const kvCacheDtype = options.kvCacheDtype ?? 'f16';
  if (kvCacheDtype !== 'f32' && kvCacheDtype !== 'f16') {
    throw new InvalidOptionError('kvCacheDtype', kvCacheDtype, "expected 'f32' or 'f16'");
  }
  const denseDtype = options.denseDtype ?? 'auto';
  if (!['auto', 'f32', 'f16'].includes(denseDtype)) {
    throw new InvalidOptionError('denseDtype', denseDtype, "expected 'auto', 'f32' or 'f16'");
  }

  const tokenizer = options.tokenizer ?? (await loadTokenizerFromSource(source, options.signal));
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new InvalidOptionError(
      'tokenizer',
      tokenizer.vocabSize,
      `the tokenizer has more pieces than the model's vocab_size ${config.vocabSize}`,
    );
  }
  const weights = await loadModelWeights(source, backend, config, {
    denseDtype,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  let forwardPass: ForwardPass;
  try {
    forwardPass = new ForwardPass(backend, config, weights, {
      chunkSize: Math.min(chunkSize, contextLength),
      contextLength,
      kvCacheDtype,
    });
  } catch (error) {
    for (const resource of weights.resources) backend.release(resource);
    throw error;
  }
  return new Model(config, tokenizer, backend, weights, forwardPass, contextLength);
}

/** A model loaded on a backend. One generation runs at a time. */
export class Model {
  private readonly engine: InferenceEngine;
  private busy = false;
  private disposed = false;

  /** @internal Use {@link loadModel}. */
  constructor(
    /** The validated hyperparameters. */
    readonly config: ModelConfig,
    /** The tokenizer used for prompts and output text. */
    readonly tokenizer: Tokenizer,
    /** The backend the model runs on. */
    readonly backend: Backend,
    private readonly weights: ModelWeights,
    private readonly forwardPass: ForwardPass,
    /** Positions of the KV cache (prompt plus output). */
    readonly contextLength: number,
  ) {
    this.engine = new InferenceEngine(backend, forwardPass, contextLength);
  }

  /** Tokens whose keys and values the cache holds; a prompt that starts with them reuses them. */
  get cachedTokens(): readonly number[] {
    return this.engine.cachedTokens;
  }

  /**
   * Generates a completion of a raw prompt (no chat template), streaming events. Iterate it with
   * `for await`; breaking out early ends the generation and frees the model for the next one.
   *
   * @throws {@link InvalidOptionError}, {@link ContextLengthError} before any work starts
   * @throws {@link ModelStateError} when another generation is running or the model was disposed
   */
  generate(options: GenerateOptions): AsyncGenerator<GenerationEvent, void, undefined> {
    this.checkUsable();
    const promptTokens = preparePrompt(this.generationContext(), options);
    return this.run(promptTokens, options);
  }

  /** Creates a multi-turn chat session over this model. */
  createChatSession(options: ChatSessionOptions = {}): ChatSession {
    this.checkUsable();
    return new ChatSession(this, options);
  }

  /** Forgets the cached tokens, so the next prompt is computed from the start. */
  resetCache(): void {
    this.checkUsable();
    this.engine.reset();
  }

  /** Releases the weights, activations and cache on the backend. The backend itself stays usable. */
  dispose(): void {
    if (this.disposed) return;
    if (this.busy)
      throw new ModelStateError('busy', 'The model is generating; end the generation before disposing it.');
    this.disposed = true;
    this.forwardPass.dispose();
    for (const resource of this.weights.resources.splice(0).reverse()) this.backend.release(resource);
  }

  /** @internal Runs a generation for already checked prompt tokens, holding the engine throughout. */
  async *run(
    promptTokens: readonly number[],
    options: GenerateOptions,
  ): AsyncGenerator<GenerationEvent, void, undefined> {
    this.checkUsable();
    if (this.busy) {
      throw new ModelStateError(
        'busy',
        'Another generation is running on this model; finish or abort it first.',
      );
    }
    this.busy = true;
    try {
      yield* runGeneration(this.generationContext(), promptTokens, options);
    } finally {
      this.busy = false;
    }
  }

  /** @internal */
  generationContext(): GenerationContext {
    return {
      engine: this.engine,
      tokenizer: this.tokenizer,
      vocabSize: this.config.vocabSize,
      defaultStopTokens: this.config.eosTokenIds,
    };
  }

  private checkUsable(): void {
    if (this.disposed) throw new ModelStateError('disposed', 'The model was disposed; load it again.');
  }
}
