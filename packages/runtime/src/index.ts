/**
 * Runs LLaMA-family models on a kernel backend passed in by the caller: loading, the forward pass,
 * sampling, streaming generation and chat sessions.
 *
 * @example
 * ```ts
 * const model = await loadModel({ source: await openModel(files), backend: createCpuBackend() });
 * for await (const event of model.generate({ prompt: 'Once upon', maxTokens: 50, sampling: { temperature: 0 } })) {
 *   if (event.type === 'text') process.stdout.write(event.text);
 * }
 * ```
 *
 * @packageDocumentation
 */

// Argument checks for backend implementations, so every backend rejects bad input with the same errors.
export { checkEqual, checkInteger, checkPositive } from './backend/cpu/validate.js';
export { type AttentionOperands, checkAttentionArguments } from './backend/cpu/validate-attention.js';
export { EXL2_BIT_WIDTHS, validateLinearData } from './backend/cpu/validate-weights.js';
export * from './backend/interface.js';
export {
  type ChatSendOptions,
  ChatSession,
  type ChatSessionOptions,
  DEFAULT_CHAT_MAX_TOKENS,
} from './chat/session.js';
export {
  BackendUsageError,
  BackendVersionError,
  ContextLengthError,
  formatValue,
  InvalidOptionError,
  ModelStateError,
  RuntimeError,
  UnsupportedModelError,
  WeightShapeError,
} from './errors.js';
export type {
  FinishEvent,
  FinishReason,
  GenerationEvent,
  GenerationUsage,
  TextEvent,
  TokenEvent,
} from './generation/events.js';
export type { GenerateOptions } from './generation/generate.js';
export { StopStringMatcher } from './generation/stop-strings.js';
export { type ModelConfig, SUPPORTED_ARCHITECTURES, validateModelConfig } from './model/config.js';
export { DEFAULT_PREFILL_CHUNK_SIZE, type LoadModelOptions, loadModel, Model } from './model/model.js';
export type { DenseWeightDType, LoadProgress } from './model/weights.js';
export { createRandom, type Random } from './random.js';
export {
  MAX_TOP_LOGPROBS,
  type ResolvedSamplingOptions,
  resolveSamplingOptions,
  type SamplingOptions,
} from './sampler/options.js';
export {
  createSampler,
  type SampledToken,
  type Sampler,
  sampleLogits,
  type TokenLogprob,
} from './sampler/sampler.js';
