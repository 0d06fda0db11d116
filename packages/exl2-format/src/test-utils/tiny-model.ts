import { exl2TensorsToWrite, quantizeExl2 } from '../exl2/quantize.js';
import type { Exl2Tensors } from '../exl2/tensors.js';
import { float32ArrayToHalf } from '../half.js';
import type { TensorToWrite } from '../safetensors/writer.js';
import { normalSamples } from './memory.js';

/** config.json of a tiny LLaMA: 2 layers, width 64, FFN 96, 4 heads of 16, 2 KV heads, vocab 100. */
export const TINY_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 96,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 128,
  vocab_size: 100,
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  rope_scaling: null,
};

/** Linear layers of the tiny model with `[out, in]` sizes. */
export function tinyLinears(): { prefix: string; out: number; in: number }[] {
  const list: { prefix: string; out: number; in: number }[] = [];
  for (let layer = 0; layer < 2; layer++) {
    const p = `model.layers.${layer}`;
    list.push(
      { prefix: `${p}.self_attn.q_proj`, out: 64, in: 64 },
      { prefix: `${p}.self_attn.k_proj`, out: 32, in: 64 },
      { prefix: `${p}.self_attn.v_proj`, out: 32, in: 64 },
      { prefix: `${p}.self_attn.o_proj`, out: 64, in: 64 },
      { prefix: `${p}.mlp.gate_proj`, out: 96, in: 64 },
      { prefix: `${p}.mlp.up_proj`, out: 96, in: 64 },
      { prefix: `${p}.mlp.down_proj`, out: 64, in: 96 },
    );
  }
  list.push({ prefix: 'lm_head', out: 100, in: 64 });
  return list;
}

/** Builds the tensors of a tiny EXL2 model (4-bit g32 layers, 8-bit head) plus the quantized layers. */
export function tinyExl2Tensors(seed = 1): { tensors: TensorToWrite[]; layers: Map<string, Exl2Tensors> } {
  const tensors: TensorToWrite[] = [];
  const layers = new Map<string, Exl2Tensors>();
  const half = (count: number, s: number) => float32ArrayToHalf(normalSamples(count, s));
  tensors.push({ name: 'model.embed_tokens.weight', dtype: 'F16', shape: [100, 64], data: half(6400, seed) });
  tensors.push({ name: 'model.norm.weight', dtype: 'F16', shape: [64], data: half(64, seed + 1) });
  for (let layer = 0; layer < 2; layer++) {
    for (const norm of ['input_layernorm', 'post_attention_layernorm']) {
      tensors.push({
        name: `model.layers.${layer}.${norm}.weight`,
        dtype: 'F16',
        shape: [64],
        data: half(64, seed + 2 + layer),
      });
    }
  }
  tinyLinears().forEach((linear, index) => {
    const plan =
      linear.prefix === 'lm_head'
        ? [{ bits: 8, proportion: 1, groupSize: 32 }]
        : [{ bits: 4, proportion: 1, groupSize: 32 }];
    const t = quantizeExl2(normalSamples(linear.out * linear.in, seed * 100 + index), linear.out, linear.in, {
      plan,
      permutation: 'random',
      seed: index + 1,
      name: linear.prefix,
    });
    layers.set(linear.prefix, t);
    tensors.push(...exl2TensorsToWrite(t));
  });
  return { tensors, layers };
}
