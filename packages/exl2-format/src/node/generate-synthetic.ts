import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LlamaShape, llamaConfigJson, llamaTensorShapes } from '../convert/hf-config.js';
import { buildMinichatLikeTokenizer } from '../convert/minichat-tokenizer.js';
import {
  type Exl2OutputOptions,
  type OutputFormat,
  type WeightSource,
  weightsToTensors,
} from '../convert/model-weights.js';
import { NormalRandom } from '../convert/random.js';
import { float32ArrayToHalf } from '../half.js';
import type { ConvertResult } from './convert-llama2c.js';
import { weightsFileName } from './convert-llama2c.js';
import { writeSafetensorsFile } from './write-file.js';

/** MiniChat-2-3B's dimensions (GeneZC/MiniChat-2-3B config.json). */
export const MINICHAT_2_3B_SHAPE: LlamaShape = {
  hiddenSize: 3072,
  intermediateSize: 8192,
  numHiddenLayers: 24,
  numAttentionHeads: 24,
  numKeyValueHeads: 24,
  vocabSize: 49216,
  maxPositionEmbeddings: 4096,
  tieWordEmbeddings: false,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
};

/** Options of {@link generateSyntheticModel}. */
export interface GenerateSyntheticModelOptions extends Exl2OutputOptions {
  /** Output directory, created if missing. Required. */
  outDir: string;
  /** Model dimensions, or `'minichat-2-3b'`. Required. */
  shape: LlamaShape | 'minichat-2-3b';
  /** Weight storage. Default: `'exl2'`. */
  format?: OutputFormat;
  /** Seed of every weight; the same seed and options give byte-identical files. Default: 0. */
  seed?: number;
  /** Standard deviation of the normal weights. Default: 0.02. */
  std?: number;
  /**
   * LLaMA-2's `tokenizer.model` bytes. For the MiniChat shape it is extended to MiniChat's 49216
   * pieces; for other shapes it is written as is. Default: no tokenizer files.
   */
  tokenizer?: Uint8Array;
  /** Called after each tensor is written, with its index and the tensor count. Default: none. */
  onProgress?: (event: { tensor: string; index: number; count: number }) => void;
  /** Aborts between tensors. Default: none. */
  signal?: AbortSignal;
}

/**
 * Writes a synthetic LLaMA model with seeded normal weights in the exact on-disk format of a
 * real one (EXL2 by default, quantized round-to-nearest layer by layer while streaming to disk).
 * The MiniChat shape at 4.0 bpw with an 8-bit head gives a file of about 1.8 GB like the cgus
 * release, with a `config.json` naming `GeneZC/MiniChat-2-3B`.
 */
export async function generateSyntheticModel(options: GenerateSyntheticModelOptions): Promise<ConvertResult> {
  const isMinichat = options.shape === 'minichat-2-3b';
  const shape = isMinichat ? MINICHAT_2_3B_SHAPE : (options.shape as LlamaShape);
  const format = options.format ?? 'exl2';
  const seed = options.seed ?? 0;
  const std = options.std ?? 0.02;

  const shapes = llamaTensorShapes(shape);
  const sources: WeightSource[] = shapes.map((tensor, index) => {
    const count = tensor.shape.reduce((product, dimension) => product * dimension, 1);
    // Norm weights scatter around 1 like trained RMSNorm gains; everything else around 0.
    const mean = tensor.shape.length === 1 ? 1 : 0;
    return {
      ...tensor,
      read: () => new NormalRandom(seed, index).fillNormal(new Float32Array(count), std, mean),
      readHalf: () => {
        // Chunks keep the fp32 scratch small for the 151M-value embedding of the MiniChat shape.
        const random = new NormalRandom(seed, index);
        const out = new Uint16Array(count);
        const chunk = new Float32Array(1 << 20);
        for (let offset = 0; offset < count; offset += chunk.length) {
          const part = chunk.subarray(0, Math.min(chunk.length, count - offset));
          float32ArrayToHalf(random.fillNormal(part, std, mean), out.subarray(offset, offset + part.length));
        }
        return out;
      },
    };
  });
  const tensors = weightsToTensors(sources, format, options);

  await mkdir(options.outDir, { recursive: true });
  const weightsName = weightsFileName(format);
  const { bytesWritten } = await writeSafetensorsFile(join(options.outDir, weightsName), tensors, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onTensor: options.onProgress } : {}),
  });

  const extra: Record<string, unknown> = isMinichat
    ? { _name_or_path: 'GeneZC/MiniChat-2-3B', pad_token_id: 0, torch_dtype: 'bfloat16' }
    : {};
  const config = llamaConfigJson(shape, extra);
  const files = [weightsName, 'config.json', 'generation_config.json'];
  await writeFile(join(options.outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(
    join(options.outDir, 'generation_config.json'),
    `${JSON.stringify({ bos_token_id: 1, eos_token_id: 2, pad_token_id: 0 }, null, 2)}\n`,
  );
  if (options.tokenizer) {
    const tokenizerModel = isMinichat ? buildMinichatLikeTokenizer(options.tokenizer) : options.tokenizer;
    const tokenizerConfig = {
      tokenizer_class: 'LlamaTokenizer',
      add_bos_token: true,
      add_eos_token: false,
      legacy: true,
      bos_token: '<s>',
      eos_token: '</s>',
      unk_token: '<unk>',
    };
    const specialTokens = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' };
    await writeFile(join(options.outDir, 'tokenizer.model'), tokenizerModel);
    await writeFile(
      join(options.outDir, 'tokenizer_config.json'),
      `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
    );
    await writeFile(
      join(options.outDir, 'special_tokens_map.json'),
      `${JSON.stringify(specialTokens, null, 2)}\n`,
    );
    files.push('tokenizer.model', 'tokenizer_config.json', 'special_tokens_map.json');
  }
  return { outDir: options.outDir, files, weightBytes: bytesWritten, config };
}
