import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLlama2cTokenizer, serializeSentencePieceModel } from '@minichat/tokenizer';
import { type LlamaShape, llamaConfigJson, llamaTensorShapes } from '../convert/hf-config.js';
import { openLlama2cCheckpoint, permuteRopeRows } from '../convert/llama2c-checkpoint.js';
import {
  type Exl2OutputOptions,
  type OutputFormat,
  type WeightSource,
  weightsToTensors,
} from '../convert/model-weights.js';
import { Llama2cFormatError } from '../errors.js';
import { fileSource } from './file-source.js';
import { writeSafetensorsFile } from './write-file.js';

/** Options of {@link convertLlama2c}. */
export interface ConvertLlama2cOptions extends Exl2OutputOptions {
  /** Path of the legacy llama2.c checkpoint `.bin`. Required. */
  checkpoint: string;
  /** Path of the llama2.c tokenizer `.bin`; written as `tokenizer.model`. Default: no tokenizer. */
  tokenizer?: string;
  /** Output directory, created if missing. Required. */
  outDir: string;
  /** Weight storage. Default: `'f32'`. */
  format?: OutputFormat;
  /**
   * Writes a shared classifier as its own `lm_head` (a copy of the embedding) and sets
   * `tie_word_embeddings: false`. exllamav2 0.0.11 needs this to load an EXL2 directory, because it
   * always reads `lm_head`. Default: false.
   */
  untieEmbeddings?: boolean;
  /** Aborts between tensors. Default: none. */
  signal?: AbortSignal;
}

/** Files written by a converter. */
export interface ConvertResult {
  /** Output directory. */
  outDir: string;
  /** Names of the files written, relative to `outDir`. */
  files: string[];
  /** Bytes of the weights file. */
  weightBytes: number;
  /** The `config.json` object written. */
  config: Record<string, unknown>;
}

/** Name of the weights file: exllamav2 names its output `output.safetensors`, HF uses `model.safetensors`. */
export function weightsFileName(format: OutputFormat): string {
  return format === 'exl2' ? 'output.safetensors' : 'model.safetensors';
}

/** Writes `tokenizer.model` and `tokenizer_config.json` from a llama2.c tokenizer file. */
async function writeLlama2cTokenizer(path: string, outDir: string, vocabSize: number): Promise<string[]> {
  const model = parseLlama2cTokenizer(new Uint8Array(await readFile(path)), { vocabSize });
  await writeFile(join(outDir, 'tokenizer.model'), serializeSentencePieceModel(model));
  const config = {
    tokenizer_class: 'LlamaTokenizer',
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
  };
  await writeFile(join(outDir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return ['tokenizer.model', 'tokenizer_config.json'];
}

/**
 * Converts a legacy llama2.c checkpoint (and optionally its tokenizer) into an HF-layout LLaMA
 * directory: `config.json`, `generation_config.json`, weights in HF names as fp32, fp16 or EXL2,
 * and `tokenizer.model`. The q and k rows are reordered from llama2.c's adjacent-pair RoPE to
 * HF's rotate-half RoPE. A shared classifier becomes `tie_word_embeddings: true` with no `lm_head`
 * unless `untieEmbeddings` is set.
 */
export async function convertLlama2c(options: ConvertLlama2cOptions): Promise<ConvertResult> {
  const format = options.format ?? 'f32';
  const source = await fileSource(options.checkpoint);
  try {
    const checkpoint = await openLlama2cCheckpoint(source);
    const { header } = checkpoint;
    const headSize = header.dim / header.nHeads;
    const shape: LlamaShape = {
      hiddenSize: header.dim,
      intermediateSize: header.hiddenDim,
      numHiddenLayers: header.nLayers,
      numAttentionHeads: header.nHeads,
      numKeyValueHeads: header.nKvHeads,
      vocabSize: header.vocabSize,
      maxPositionEmbeddings: header.seqLen,
      tieWordEmbeddings: header.sharedClassifier && !options.untieEmbeddings,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
    };

    const readers: Record<string, (layer: number) => Promise<Float32Array>> = {
      input_layernorm: (layer) => checkpoint.read('rms_att_weight', layer),
      'self_attn.q_proj': async (layer) =>
        permuteRopeRows(await checkpoint.read('wq', layer), header.nHeads, headSize, header.dim),
      'self_attn.k_proj': async (layer) =>
        permuteRopeRows(await checkpoint.read('wk', layer), header.nKvHeads, headSize, header.dim),
      'self_attn.v_proj': (layer) => checkpoint.read('wv', layer),
      'self_attn.o_proj': (layer) => checkpoint.read('wo', layer),
      post_attention_layernorm: (layer) => checkpoint.read('rms_ffn_weight', layer),
      'mlp.gate_proj': (layer) => checkpoint.read('w1', layer),
      'mlp.up_proj': (layer) => checkpoint.read('w3', layer),
      'mlp.down_proj': (layer) => checkpoint.read('w2', layer),
    };
    const sources: WeightSource[] = llamaTensorShapes(shape).map((tensor) => {
      const layerMatch = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(tensor.name);
      let read: () => Promise<Float32Array>;
      if (layerMatch) {
        const reader = readers[layerMatch[2]!];
        if (!reader)
          throw new Llama2cFormatError(`No llama2.c array maps to ${tensor.name}.`, { tensor: tensor.name });
        read = () => reader(Number(layerMatch[1]));
      } else if (tensor.name === 'model.embed_tokens.weight') {
        read = () => checkpoint.read('token_embedding_table');
      } else if (tensor.name === 'model.norm.weight') {
        read = () => checkpoint.read('rms_final_weight');
      } else {
        read = () => checkpoint.read(header.sharedClassifier ? 'token_embedding_table' : 'wcls');
      }
      return { ...tensor, read };
    });

    await mkdir(options.outDir, { recursive: true });
    const weightsName = weightsFileName(format);
    const { bytesWritten } = await writeSafetensorsFile(
      join(options.outDir, weightsName),
      weightsToTensors(sources, format, options),
      {
        metadata: { format: 'pt' },
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    const config = llamaConfigJson(shape, { torch_dtype: format === 'f32' ? 'float32' : 'float16' });
    await writeFile(join(options.outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(
      join(options.outDir, 'generation_config.json'),
      `${JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }, null, 2)}\n`,
    );
    const files = [weightsName, 'config.json', 'generation_config.json'];
    if (options.tokenizer)
      files.push(...(await writeLlama2cTokenizer(options.tokenizer, options.outDir, header.vocabSize)));
    return { outDir: options.outDir, files, weightBytes: bytesWritten, config };
  } finally {
    await source.close();
  }
}
