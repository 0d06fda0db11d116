/** Model dimensions that determine an HF LLaMA `config.json`. */
export interface LlamaShape {
  /** Model width. */
  hiddenSize: number;
  /** FFN width. */
  intermediateSize: number;
  /** Number of decoder layers. */
  numHiddenLayers: number;
  /** Number of query heads. */
  numAttentionHeads: number;
  /** Number of key/value heads. */
  numKeyValueHeads: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** Context length. */
  maxPositionEmbeddings: number;
  /** Whether `lm_head` shares the embedding. */
  tieWordEmbeddings: boolean;
  /** RMSNorm epsilon. Default: 1e-5. */
  rmsNormEps?: number;
  /** RoPE base. Default: 10000. */
  ropeTheta?: number;
}

/** Builds an HF `config.json` object for a LLaMA model of the given shape. */
export function llamaConfigJson(
  shape: LlamaShape,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.numHiddenLayers,
    num_attention_heads: shape.numAttentionHeads,
    num_key_value_heads: shape.numKeyValueHeads,
    hidden_act: 'silu',
    max_position_embeddings: shape.maxPositionEmbeddings,
    rms_norm_eps: shape.rmsNormEps ?? 1e-5,
    rope_theta: shape.ropeTheta ?? 10000,
    rope_scaling: null,
    vocab_size: shape.vocabSize,
    tie_word_embeddings: shape.tieWordEmbeddings,
    attention_bias: false,
    bos_token_id: 1,
    eos_token_id: 2,
    ...extra,
  };
}

/** One tensor of an HF LLaMA checkpoint. */
export interface LlamaTensorShape {
  /** HF tensor name. */
  name: string;
  /** PyTorch shape. */
  shape: number[];
  /** Whether it is the weight of a linear layer. */
  linear: boolean;
}

/** Lists the HF tensor names and PyTorch shapes of a LLaMA model, in the order converters write them. */
export function llamaTensorShapes(shape: LlamaShape): LlamaTensorShape[] {
  const headDim = shape.hiddenSize / shape.numAttentionHeads;
  const kvDim = headDim * shape.numKeyValueHeads;
  const h = shape.hiddenSize;
  const list: LlamaTensorShape[] = [
    { name: 'model.embed_tokens.weight', shape: [shape.vocabSize, h], linear: false },
  ];
  for (let layer = 0; layer < shape.numHiddenLayers; layer++) {
    const p = `model.layers.${layer}`;
    list.push(
      { name: `${p}.input_layernorm.weight`, shape: [h], linear: false },
      { name: `${p}.self_attn.q_proj.weight`, shape: [h, h], linear: true },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kvDim, h], linear: true },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kvDim, h], linear: true },
      { name: `${p}.self_attn.o_proj.weight`, shape: [h, h], linear: true },
      { name: `${p}.post_attention_layernorm.weight`, shape: [h], linear: false },
      { name: `${p}.mlp.gate_proj.weight`, shape: [shape.intermediateSize, h], linear: true },
      { name: `${p}.mlp.up_proj.weight`, shape: [shape.intermediateSize, h], linear: true },
      { name: `${p}.mlp.down_proj.weight`, shape: [h, shape.intermediateSize], linear: true },
    );
  }
  list.push({ name: 'model.norm.weight', shape: [h], linear: false });
  if (!shape.tieWordEmbeddings)
    list.push({ name: 'lm_head.weight', shape: [shape.vocabSize, h], linear: true });
  return list;
}
