import { dequantizeExl2, halfToFloat, type ModelReader } from '@minichat/exl2-format';
import { parseSentencePieceModel } from '@minichat/tokenizer';
import { GgufWriteError } from '../errors.js';
import { llamaGgufMetadata } from './llama-metadata.js';
import { quantizeQ4_0, quantizeQ8_0 } from './quantize.js';
import type { GgufTensorToWrite } from './write-file.js';

/** Storage of the GGUF tensors: Q4_0 layers with a Q8_0 head and embedding, or everything in F32. */
export type GgufWeightType = 'q4_0' | 'f32';

/** Options of {@link ggufFromModel}. */
export interface GgufFromModelOptions {
  /**
   * Reorders the q and k rows for GGUF's interleaved RoPE. Only `false` in tests, which show that
   * llama.cpp then computes another function. Default: true.
   */
  permuteRope?: boolean;
}

/** Rows of the embedding converted at once, so the fp32 copy of a large vocabulary stays small. */
const EMBEDDING_CHUNK_ROWS = 4096;

/**
 * Moves the rows of a q or k projection (`[out, in]`, PyTorch order) from the rotate-half RoPE order of
 * HF checkpoints to the interleaved order of GGUF's llama architecture. Within each head, HF row
 * `half * headDim/2 + i` becomes row `2i + half`, which is the reshape `(heads, 2, headDim/2, in)` →
 * swap axes 1 and 2 that llama.cpp's `convert_hf_to_gguf.py` applies.
 */
export function permuteForGgufRope(weight: Float32Array, heads: number, inFeatures: number): Float32Array {
  const rows = weight.length / inFeatures;
  const headDim = rows / heads;
  const halfDim = headDim / 2;
  const out = new Float32Array(weight.length);
  for (let head = 0; head < heads; head++) {
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < halfDim; i++) {
        const from = (head * headDim + half * halfDim + i) * inFeatures;
        const to = (head * headDim + 2 * i + half) * inFeatures;
        out.set(weight.subarray(from, from + inFeatures), to);
      }
    }
  }
  return out;
}

/** Reads a linear layer as a PyTorch-order `[out, in]` fp32 matrix: EXL2 layers are decoded and transposed. */
async function readLinearOutMajor(reader: ModelReader, prefix: string): Promise<Float32Array> {
  const descriptor = reader.linear(prefix);
  if (descriptor.kind === 'dense') return (await reader.readDense(`${prefix}.weight`)).data;
  const tensors = await reader.readExl2(prefix);
  // dequantizeExl2 returns [in, out] (input-major); GGUF rows are output features.
  const inputMajor = dequantizeExl2(tensors, 'fp32');
  const { inFeatures: k, outFeatures: n } = tensors;
  const out = new Float32Array(k * n);
  // Tiles keep both the reads and the strided writes within a few cache lines.
  const tile = 64;
  for (let row0 = 0; row0 < k; row0 += tile) {
    const rowEnd = Math.min(k, row0 + tile);
    for (let column0 = 0; column0 < n; column0 += tile) {
      const columnEnd = Math.min(n, column0 + tile);
      for (let row = row0; row < rowEnd; row++) {
        const source = row * n;
        for (let column = column0; column < columnEnd; column++)
          out[column * k + row] = inputMajor[source + column]!;
      }
    }
  }
  return out;
}

/** Returns the embedding as Q8_0 (or F32), converting a chunk of rows at a time from fp16. */
async function embeddingBytes(reader: ModelReader, type: GgufWeightType): Promise<Uint8Array> {
  const name = 'model.embed_tokens.weight';
  const [vocab, hidden] = reader.tensorInfo(name).shape as [number, number];
  if (type === 'f32') {
    const values = (await reader.readDense(name)).data;
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  const half = (await reader.readDenseHalf(name)).data;
  const parts: Uint8Array[] = [];
  const chunk = new Float32Array(EMBEDDING_CHUNK_ROWS * hidden);
  for (let row = 0; row < vocab; row += EMBEDDING_CHUNK_ROWS) {
    const rows = Math.min(EMBEDDING_CHUNK_ROWS, vocab - row);
    const values = chunk.subarray(0, rows * hidden);
    for (let i = 0; i < values.length; i++) values[i] = halfToFloat(half[row * hidden + i]!);
    parts.push(quantizeQ8_0(values, hidden));
  }
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function asBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Lists the GGUF metadata and lazy tensors of a LLaMA model opened with `openModel`, in llama.cpp's
 * tensor names (`token_embd.weight`, `blk.N.attn_q.weight`, …, `output_norm.weight`, `output.weight`).
 * Each EXL2 layer is decoded with exl2-format's decoder and requantized: linear layers to Q4_0, the head
 * and the embedding to Q8_0, norms kept as F32. With `type: 'f32'` every tensor is F32, which gives
 * llama.cpp exactly the function the EXL2 decode describes.
 */
export async function ggufFromModel(
  reader: ModelReader,
  type: GgufWeightType,
  options: GgufFromModelOptions = {},
): Promise<{ metadata: ReturnType<typeof llamaGgufMetadata>; tensors: GgufTensorToWrite[] }> {
  const permuteRope = options.permuteRope ?? true;
  const { config } = reader;
  if (config.tieWordEmbeddings) {
    throw new GgufWriteError(
      'The model ties lm_head to the embedding; the bench writes an untied head only.',
      'output.weight',
    );
  }
  const tokenizerFiles = await reader.readTokenizerFiles();
  if (!tokenizerFiles.tokenizerModel) {
    throw new GgufWriteError(
      'The model directory has no tokenizer.model; generate it with a tokenizer so llama.cpp gets a vocabulary.',
      'tokenizer.ggml.tokens',
    );
  }
  const tokenizer = parseSentencePieceModel(tokenizerFiles.tokenizerModel);
  const name = config.nameOrPath ?? 'minichat-bench';
  const metadata = llamaGgufMetadata(config, tokenizer, `${name} (from EXL2)`, type === 'f32' ? 0 : 2);

  const linearType = type === 'f32' ? 'F32' : 'Q4_0';
  const wideType = type === 'f32' ? 'F32' : 'Q8_0';
  const encode = (values: Float32Array, rowLength: number, target: 'F32' | 'Q4_0' | 'Q8_0') =>
    target === 'F32'
      ? asBytes(values)
      : target === 'Q4_0'
        ? quantizeQ4_0(values, rowLength)
        : quantizeQ8_0(values, rowLength);

  const hidden = config.hiddenSize;
  const norm = (tensorName: string): (() => Promise<Uint8Array>) => {
    return async () => asBytes((await reader.readDense(tensorName)).data);
  };
  const linear = (
    prefix: string,
    inFeatures: number,
    target: 'F32' | 'Q4_0' | 'Q8_0',
    ropeHeads?: number,
  ): (() => Promise<Uint8Array>) => {
    return async () => {
      let weight = await readLinearOutMajor(reader, prefix);
      if (ropeHeads !== undefined && permuteRope) weight = permuteForGgufRope(weight, ropeHeads, inFeatures);
      return encode(weight, inFeatures, target);
    };
  };

  const kvDim = config.numKeyValueHeads * config.headDim;
  const qDim = config.numAttentionHeads * config.headDim;
  const ffn = config.intermediateSize;
  const tensors: GgufTensorToWrite[] = [
    {
      name: 'token_embd.weight',
      type: wideType,
      dims: [hidden, config.vocabSize],
      data: () => embeddingBytes(reader, type),
    },
  ];
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const hf = `model.layers.${layer}`;
    const blk = `blk.${layer}`;
    tensors.push(
      {
        name: `${blk}.attn_norm.weight`,
        type: 'F32',
        dims: [hidden],
        data: norm(`${hf}.input_layernorm.weight`),
      },
      {
        name: `${blk}.attn_q.weight`,
        type: linearType,
        dims: [hidden, qDim],
        data: linear(`${hf}.self_attn.q_proj`, hidden, linearType, config.numAttentionHeads),
      },
      {
        name: `${blk}.attn_k.weight`,
        type: linearType,
        dims: [hidden, kvDim],
        data: linear(`${hf}.self_attn.k_proj`, hidden, linearType, config.numKeyValueHeads),
      },
      {
        name: `${blk}.attn_v.weight`,
        type: linearType,
        dims: [hidden, kvDim],
        data: linear(`${hf}.self_attn.v_proj`, hidden, linearType),
      },
      {
        name: `${blk}.attn_output.weight`,
        type: linearType,
        dims: [qDim, hidden],
        data: linear(`${hf}.self_attn.o_proj`, qDim, linearType),
      },
      {
        name: `${blk}.ffn_norm.weight`,
        type: 'F32',
        dims: [hidden],
        data: norm(`${hf}.post_attention_layernorm.weight`),
      },
      {
        name: `${blk}.ffn_gate.weight`,
        type: linearType,
        dims: [hidden, ffn],
        data: linear(`${hf}.mlp.gate_proj`, hidden, linearType),
      },
      {
        name: `${blk}.ffn_up.weight`,
        type: linearType,
        dims: [hidden, ffn],
        data: linear(`${hf}.mlp.up_proj`, hidden, linearType),
      },
      {
        name: `${blk}.ffn_down.weight`,
        type: linearType,
        dims: [ffn, hidden],
        data: linear(`${hf}.mlp.down_proj`, ffn, linearType),
      },
    );
  }
  tensors.push(
    { name: 'output_norm.weight', type: 'F32', dims: [hidden], data: norm('model.norm.weight') },
    {
      name: 'output.weight',
      type: wideType,
      dims: [hidden, config.vocabSize],
      data: linear('lm_head', hidden, wideType),
    },
  );
  return { metadata, tensors };
}
