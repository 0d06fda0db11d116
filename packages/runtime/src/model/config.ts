import type { LlamaConfig } from '@minichat/exl2-format';
import { UnsupportedModelError } from '../errors.js';

/** Architectures whose decoder this runtime implements. */
export const SUPPORTED_ARCHITECTURES: readonly string[] = ['LlamaForCausalLM', 'MistralForCausalLM'];

/** The model hyperparameters the forward pass reads, validated for this runtime. */
export interface ModelConfig {
  /** Architecture class name from config.json. */
  architecture: string;
  /** Width of the residual stream (`hidden_size`). */
  hiddenSize: number;
  /** Width of the SwiGLU feed-forward layer (`intermediate_size`). */
  intermediateSize: number;
  /** Decoder layers. */
  numLayers: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads; fewer than `numHeads` means grouped-query attention. */
  numKvHeads: number;
  /** Features per head. */
  headDim: number;
  /** RMSNorm epsilon. */
  rmsNormEps: number;
  /** RoPE base. */
  ropeTheta: number;
  /** Maximum context length the model was trained for, and the maximum it may run with. */
  maxPositionEmbeddings: number;
  /** Rows of the embedding and of the logits. */
  vocabSize: number;
  /** Whether the classifier reuses the embedding table. */
  tieWordEmbeddings: boolean;
  /** Beginning-of-sequence token id. */
  bosTokenId: number;
  /** Token ids that end generation. */
  eosTokenIds: readonly number[];
}

/**
 * Checks that a parsed config.json describes a decoder this runtime can run and returns the fields it
 * uses. Rejects other architectures, activations, RoPE scaling, biases and head layouts.
 *
 * @throws {@link UnsupportedModelError} naming the field and its value
 */
export function validateModelConfig(config: LlamaConfig): ModelConfig {
  const raw = config.raw;
  if (!SUPPORTED_ARCHITECTURES.includes(config.architecture)) {
    throw new UnsupportedModelError(
      'architectures',
      config.architecture,
      `Supported architectures: ${SUPPORTED_ARCHITECTURES.join(', ')}.`,
    );
  }
  const activation = raw.hidden_act ?? 'silu';
  if (activation !== 'silu') {
    throw new UnsupportedModelError(
      'hidden_act',
      activation,
      'Only "silu" (SwiGLU) feed-forward layers are implemented.',
    );
  }
  if (raw.rope_scaling !== undefined && raw.rope_scaling !== null) {
    throw new UnsupportedModelError(
      'rope_scaling',
      raw.rope_scaling,
      'Only unscaled RoPE (rope_scaling null) is implemented.',
    );
  }
  if (config.attentionBias) {
    throw new UnsupportedModelError(
      'attention_bias',
      true,
      'Attention projections with biases are not implemented.',
    );
  }
  if (config.mlpBias) {
    throw new UnsupportedModelError(
      'mlp_bias',
      true,
      'Feed-forward projections with biases are not implemented.',
    );
  }
  const positive: [string, number][] = [
    ['hidden_size', config.hiddenSize],
    ['intermediate_size', config.intermediateSize],
    ['num_hidden_layers', config.numHiddenLayers],
    ['num_attention_heads', config.numAttentionHeads],
    ['num_key_value_heads', config.numKeyValueHeads],
    ['head_dim', config.headDim],
    ['max_position_embeddings', config.maxPositionEmbeddings],
    ['vocab_size', config.vocabSize],
  ];
  for (const [field, value] of positive) {
    if (!Number.isInteger(value) || value < 1) {
      throw new UnsupportedModelError(field, value, 'Expected a positive integer.');
    }
  }
  if (config.numAttentionHeads % config.numKeyValueHeads !== 0) {
    throw new UnsupportedModelError(
      'num_key_value_heads',
      config.numKeyValueHeads,
      `num_attention_heads (${config.numAttentionHeads}) must be a multiple of it for grouped-query attention.`,
    );
  }
  if (config.headDim % 2 !== 0) {
    throw new UnsupportedModelError('head_dim', config.headDim, 'Rotate-half RoPE needs an even head size.');
  }
  if (!(config.rmsNormEps > 0)) {
    throw new UnsupportedModelError('rms_norm_eps', config.rmsNormEps, 'Expected a number greater than 0.');
  }
  if (!(config.ropeTheta > 0)) {
    throw new UnsupportedModelError('rope_theta', config.ropeTheta, 'Expected a number greater than 0.');
  }
  const slidingWindow = raw.sliding_window;
  if (typeof slidingWindow === 'number' && slidingWindow < config.maxPositionEmbeddings) {
    // NOTE: sliding-window attention is not implemented. Runs no longer than the window are exact, so
    // the context is capped at the window instead of rejecting the model.
    return { ...pick(config), maxPositionEmbeddings: slidingWindow };
  }
  return pick(config);
}

function pick(config: LlamaConfig): ModelConfig {
  return {
    architecture: config.architecture,
    hiddenSize: config.hiddenSize,
    intermediateSize: config.intermediateSize,
    numLayers: config.numHiddenLayers,
    numHeads: config.numAttentionHeads,
    numKvHeads: config.numKeyValueHeads,
    headDim: config.headDim,
    rmsNormEps: config.rmsNormEps,
    ropeTheta: config.ropeTheta,
    maxPositionEmbeddings: config.maxPositionEmbeddings,
    vocabSize: config.vocabSize,
    tieWordEmbeddings: config.tieWordEmbeddings,
    bosTokenId: config.bosTokenId,
    eosTokenIds: [...config.eosTokenId],
  };
}
