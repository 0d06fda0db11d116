import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { llamaTensorShapes } from '../convert/hf-config.js';
import {
  type Exl2OutputOptions,
  type OutputFormat,
  type WeightSource,
  weightsToTensors,
} from '../convert/model-weights.js';
import { InvalidOptionError } from '../errors.js';
import { openModel } from '../model/open-model.js';
import type { ConvertResult } from './convert-llama2c.js';
import { weightsFileName } from './convert-llama2c.js';
import { directoryFiles } from './directory-files.js';
import { writeSafetensorsFile } from './write-file.js';

/** Options of {@link convertHf}. */
export interface ConvertHfOptions extends Exl2OutputOptions {
  /** Directory of an HF LLaMA model with F32, F16 or BF16 safetensors. Required. */
  input: string;
  /** Output directory, created if missing. Required. */
  outDir: string;
  /** Weight storage. Default: `'exl2'`. */
  format?: OutputFormat;
  /** Called after each tensor is written. Default: none. */
  onProgress?: (event: { tensor: string; index: number; count: number }) => void;
  /** Aborts between tensors. Default: none. */
  signal?: AbortSignal;
}

// Files the converter writes itself or that would be stale next to the new weights.
const SKIPPED_FILES = /(\.safetensors|\.bin|\.pt|\.pth|\.index\.json)$/;

/**
 * Converts an HF LLaMA model directory into EXL2 (or fp16/fp32) one layer at a time. Every
 * non-weight file (config.json, tokenizer files, generation_config.json, …) is copied
 * unchanged, as exllamav2 0.0.11 does. Weights may be sharded; only one tensor (or one
 * quantized layer) is in memory at a time.
 */
// NOTE: codes come from plain round-to-nearest; exllamav2 uses GPTQ with calibration data, so its
// files of the same bit width have lower error than these.
export async function convertHf(options: ConvertHfOptions): Promise<ConvertResult> {
  const format = options.format ?? 'exl2';
  const files = directoryFiles(options.input);
  const model = await openModel(files, options.signal ? { signal: options.signal } : {});
  try {
    if (model.format !== 'dense') {
      throw new InvalidOptionError(
        `${options.input} is already an EXL2 model; convertHf needs F32, F16 or BF16 weights.`,
        {
          file: options.input,
          expected: 'dense weights',
          actual: 'exl2',
        },
      );
    }
    const { config } = model;
    if (config.headDim * config.numAttentionHeads !== config.hiddenSize) {
      throw new InvalidOptionError(
        `${options.input}: head_dim × heads differs from hidden_size, which this converter does not support.`,
        {
          file: options.input,
        },
      );
    }
    const shapes = llamaTensorShapes({
      hiddenSize: config.hiddenSize,
      intermediateSize: config.intermediateSize,
      numHiddenLayers: config.numHiddenLayers,
      numAttentionHeads: config.numAttentionHeads,
      numKeyValueHeads: config.numKeyValueHeads,
      vocabSize: config.vocabSize,
      maxPositionEmbeddings: config.maxPositionEmbeddings,
      tieWordEmbeddings: config.tieWordEmbeddings || !model.hasTensor('lm_head.weight'),
    });
    const sources: WeightSource[] = shapes.map((tensor) => ({
      ...tensor,
      read: async () => (await model.readDense(tensor.name, options.signal)).data,
    }));

    await mkdir(options.outDir, { recursive: true });
    const weightsName = weightsFileName(format);
    const { bytesWritten } = await writeSafetensorsFile(
      join(options.outDir, weightsName),
      weightsToTensors(sources, format, options),
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onTensor: options.onProgress } : {}),
      },
    );
    const copied = files.list().filter((name) => !SKIPPED_FILES.test(name));
    for (const name of copied) await copyFile(join(options.input, name), join(options.outDir, name));
    return {
      outDir: options.outDir,
      files: [weightsName, ...copied],
      weightBytes: bytesWritten,
      config: config.raw,
    };
  } finally {
    await model.close();
  }
}
