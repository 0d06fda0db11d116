import { describe, expect, it } from 'vitest';
import { parseGenerationConfig, parseLlamaConfig } from './config.js';
import { ModelConfigError, UnsupportedModelError } from './errors.js';
import { TINY_CONFIG } from './test-utils/tiny-model.js';

// MiniChat-2-3B's config.json values as published (GeneZC/MiniChat-2-3B).
const MINICHAT = {
  _name_or_path: 'GeneZC/MiniChat-2-3B',
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 3072,
  intermediate_size: 8192,
  max_position_embeddings: 4096,
  model_type: 'llama',
  num_attention_heads: 24,
  num_hidden_layers: 24,
  num_key_value_heads: 24,
  pad_token_id: 0,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 10000,
  tie_word_embeddings: false,
  vocab_size: 49216,
};

describe('parseLlamaConfig', () => {
  it('reads MiniChat-2-3B', () => {
    const config = parseLlamaConfig(MINICHAT);
    expect(config).toMatchObject({
      architecture: 'LlamaForCausalLM',
      hiddenSize: 3072,
      intermediateSize: 8192,
      numHiddenLayers: 24,
      numAttentionHeads: 24,
      numKeyValueHeads: 24,
      headDim: 128,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      maxPositionEmbeddings: 4096,
      vocabSize: 49216,
      tieWordEmbeddings: false,
      bosTokenId: 1,
      eosTokenId: [2],
      padTokenId: 0,
      nameOrPath: 'GeneZC/MiniChat-2-3B',
    });
  });

  it('applies HF defaults', () => {
    const config = parseLlamaConfig({
      ...TINY_CONFIG,
      num_key_value_heads: undefined,
      rope_theta: undefined,
      eos_token_id: [2, 7],
    });
    expect(config.numKeyValueHeads).toBe(4);
    expect(config.ropeTheta).toBe(10000);
    expect(config.eosTokenId).toEqual([2, 7]);
  });

  it('rejects missing and out-of-range fields', () => {
    const { hidden_size: _, ...missing } = TINY_CONFIG;
    expect(() => parseLlamaConfig(missing)).toThrow(/missing the required field hidden_size/);
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, vocab_size: 0 })).toThrow(ModelConfigError);
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, vocab_size: 0 })).toThrow(
      /vocab_size is 0; expected an integer in \[1, 4194304\]/,
    );
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, num_key_value_heads: 3 })).toThrow(
      /not a multiple of num_key_value_heads 3/,
    );
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, rms_norm_eps: -1 })).toThrow(/rms_norm_eps is -1/);
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, tie_word_embeddings: 'yes' })).toThrow(
      /expected true or false/,
    );
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, eos_token_id: 'x' })).toThrow(/eos_token_id is "x"/);
    expect(() => parseLlamaConfig([])).toThrow(/not a JSON object/);
  });

  it('rejects unsupported architectures and options', () => {
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, architectures: ['GPT2LMHeadModel'] })).toThrow(
      UnsupportedModelError,
    );
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, architectures: ['GPT2LMHeadModel'] })).toThrow(
      /GPT2LMHeadModel is not supported. Supported: LlamaForCausalLM/,
    );
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, rope_scaling: { type: 'linear', factor: 2 } })).toThrow(
      /rope_scaling "linear" is not supported/,
    );
    expect(() => parseLlamaConfig({ ...TINY_CONFIG, hidden_act: 'gelu' })).toThrow(
      /hidden_act "gelu" is not supported/,
    );
  });
});

describe('parseGenerationConfig', () => {
  it('reads MiniChat generation settings', () => {
    expect(
      parseGenerationConfig({ bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, temperature: 0.7 }),
    ).toMatchObject({
      bosTokenId: 1,
      eosTokenId: [2],
      padTokenId: 0,
      temperature: 0.7,
    });
    expect(() => parseGenerationConfig({ top_p: 'high' })).toThrow(/top_p is "high"/);
  });
});
