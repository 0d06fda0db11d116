import { dequantizeExl2 } from '../exl2/dequantize.js';
import type { ModelReader } from '../model/model-reader.js';

/** A linear layer as a function `x → W x` over an `[in]` vector. */
type Linear = (x: Float64Array) => Float64Array;

async function loadLinear(model: ModelReader, prefix: string): Promise<Linear> {
  const descriptor = model.linear(prefix);
  const { inFeatures: K, outFeatures: N } = descriptor;
  if (descriptor.kind === 'exl2') {
    const w = dequantizeExl2(await model.readExl2(prefix), 'fp32'); // [K, N]
    return (x) => {
      const y = new Float64Array(N);
      for (let i = 0; i < K; i++) for (let n = 0; n < N; n++) y[n]! += x[i]! * w[i * N + n]!;
      return y;
    };
  }
  const w = (await model.readDense(`${prefix}.weight`)).data; // [N, K]
  return (x) => {
    const y = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let i = 0; i < K; i++) sum += w[n * K + i]! * x[i]!;
      y[n] = sum;
    }
    return y;
  };
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let squares = 0;
  for (const value of x) squares += value * value;
  const scale = 1 / Math.sqrt(squares / x.length + eps);
  return x.map((value, i) => value * scale * weight[i]!);
}

/**
 * Runs a plain HF-layout LLaMA forward pass (rotate-half RoPE, GQA, SiLU FFN) in float64 and
 * decodes greedily from `prompt`. Written from the LLaMA architecture description as an
 * independent check of converted weights; it is slow and meant for tiny models.
 */
export async function greedyDecode(model: ModelReader, prompt: number[], steps: number): Promise<number[]> {
  const c = model.config;
  const hd = c.headDim;
  const embed = (await model.readDense('model.embed_tokens.weight')).data;
  const finalNorm = (await model.readDense('model.norm.weight')).data;
  const layers = [];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    layers.push({
      attnNorm: (await model.readDense(`${p}.input_layernorm.weight`)).data,
      ffnNorm: (await model.readDense(`${p}.post_attention_layernorm.weight`)).data,
      q: await loadLinear(model, `${p}.self_attn.q_proj`),
      k: await loadLinear(model, `${p}.self_attn.k_proj`),
      v: await loadLinear(model, `${p}.self_attn.v_proj`),
      o: await loadLinear(model, `${p}.self_attn.o_proj`),
      gate: await loadLinear(model, `${p}.mlp.gate_proj`),
      up: await loadLinear(model, `${p}.mlp.up_proj`),
      down: await loadLinear(model, `${p}.mlp.down_proj`),
      keys: [] as Float64Array[],
      values: [] as Float64Array[],
    });
  }
  const head: Linear = c.tieWordEmbeddings
    ? (x) => {
        const y = new Float64Array(c.vocabSize);
        for (let t = 0; t < c.vocabSize; t++)
          for (let i = 0; i < c.hiddenSize; i++) y[t]! += embed[t * c.hiddenSize + i]! * x[i]!;
        return y;
      }
    : await loadLinear(model, 'lm_head');

  const rope = (vector: Float64Array, heads: number, pos: number) => {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < hd / 2; i++) {
        const angle = pos * c.ropeTheta ** (-(2 * i) / hd);
        const a = vector[h * hd + i]!;
        const b = vector[h * hd + i + hd / 2]!;
        vector[h * hd + i] = a * Math.cos(angle) - b * Math.sin(angle);
        vector[h * hd + i + hd / 2] = a * Math.sin(angle) + b * Math.cos(angle);
      }
    }
  };

  const tokens = [...prompt];
  for (let pos = 0; pos < prompt.length + steps - 1; pos++) {
    const token = tokens[pos]!;
    let x = Float64Array.from(embed.subarray(token * c.hiddenSize, (token + 1) * c.hiddenSize));
    for (const layer of layers) {
      const xb = rmsNorm(x, layer.attnNorm, c.rmsNormEps);
      const q = layer.q(xb);
      const k = layer.k(xb);
      rope(q, c.numAttentionHeads, pos);
      rope(k, c.numKeyValueHeads, pos);
      layer.keys.push(k);
      layer.values.push(layer.v(xb));

      const attention = new Float64Array(c.numAttentionHeads * hd);
      const group = c.numAttentionHeads / c.numKeyValueHeads;
      for (let h = 0; h < c.numAttentionHeads; h++) {
        const kvOffset = Math.floor(h / group) * hd;
        const scores = layer.keys.map((key) => {
          let dot = 0;
          for (let i = 0; i < hd; i++) dot += q[h * hd + i]! * key[kvOffset + i]!;
          return dot / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const weights = scores.map((score) => Math.exp(score - max));
        const total = weights.reduce((sum, weight) => sum + weight, 0);
        layer.values.forEach((value, t) => {
          for (let i = 0; i < hd; i++) attention[h * hd + i]! += (weights[t]! / total) * value[kvOffset + i]!;
        });
      }
      const attentionOut = layer.o(attention);
      x = x.map((value, i) => value + attentionOut[i]!);

      const xf = rmsNorm(x, layer.ffnNorm, c.rmsNormEps);
      const gate = layer.gate(xf);
      const up = layer.up(xf);
      const hidden = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const down = layer.down(hidden);
      x = x.map((value, i) => value + down[i]!);
    }
    if (pos + 1 < prompt.length) continue;
    const logits = head(rmsNorm(x, finalNorm, c.rmsNormEps));
    let best = 0;
    for (let t = 1; t < logits.length; t++) if (logits[t]! > logits[best]!) best = t;
    tokens.push(best);
  }
  return tokens;
}
