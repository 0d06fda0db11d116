import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openModel } from '@minichat/exl2-format';
import {
  directoryFiles,
  type GenerateSyntheticModelOptions,
  generateSyntheticModel,
} from '@minichat/exl2-format/node';
import { type GgufWeightType, ggufFromModel } from './gguf/from-model.js';
import { writeGgufFile } from './gguf/write-file.js';

/** Bump when the synthetic generator's output changes, so stale EXL2 models are rebuilt. */
const EXL2_CACHE_VERSION = 1;
/** Bump when the GGUF writer's output changes, so stale GGUF files are rebuilt. */
const GGUF_CACHE_VERSION = 1;

/** Dimensions of a LLaMA model, as the synthetic generator takes them. */
export type LlamaShape = Exclude<GenerateSyntheticModelOptions['shape'], string>;

/** The quick preset's model: MiniChat's layout at a fraction of the size, with LLaMA-2's 32000 pieces. */
export const QUICK_SHAPE: LlamaShape = {
  hiddenSize: 512,
  intermediateSize: 1536,
  numHiddenLayers: 4,
  numAttentionHeads: 8,
  numKeyValueHeads: 8,
  vocabSize: 32000,
  maxPositionEmbeddings: 2048,
  tieWordEmbeddings: false,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
};

/** Options of {@link prepareModels}. */
export interface PrepareModelsOptions {
  /** Folder of cached models, such as `bench/.cache`. Required. */
  cacheDir: string;
  /** Model dimensions, or `'minichat-2-3b'` for the full-size model. Required. */
  shape: LlamaShape | 'minichat-2-3b';
  /** Name of the cache entry, such as `minichat-2-3b` or `quick`. Required. */
  name: string;
  /** LLaMA-2's `tokenizer.model` bytes (extended to 49216 pieces for the MiniChat shape). Required. */
  tokenizer: Uint8Array;
  /** Weight seed. Default: 0. */
  seed?: number;
  /** GGUF weight storage. Default: `'q4_0'`. */
  ggufType?: GgufWeightType;
  /** Progress messages. Default: none. */
  log?: (message: string) => void;
}

/** The cached EXL2 model directory and GGUF file of one preset. */
export interface PreparedModels {
  /** EXL2 model directory (`output.safetensors`, `config.json`, tokenizer files). */
  exl2Dir: string;
  /** Bytes of `output.safetensors`. */
  exl2Bytes: number;
  /** GGUF file with the same weights. */
  ggufPath: string;
  /** Bytes of the GGUF file. */
  ggufBytes: number;
  /** Whether both came from the cache. */
  cached: boolean;
  /** Milliseconds spent generating the EXL2 model and writing the GGUF in this run (0 when cached). */
  buildMs: { exl2: number; gguf: number };
}

interface CacheMarker {
  version: number;
  bytes: number;
}

/** Returns the size recorded by a marker when the marker has this version and the file has that size. */
async function cachedBytes(
  markerPath: string,
  filePath: string,
  version: number,
): Promise<number | undefined> {
  try {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as CacheMarker;
    const size = (await stat(filePath)).size;
    return marker.version === version && marker.bytes === size ? size : undefined;
  } catch {
    return undefined;
  }
}

async function writeMarker(markerPath: string, version: number, bytes: number): Promise<void> {
  await writeFile(markerPath, `${JSON.stringify({ version, bytes } satisfies CacheMarker)}\n`);
}

/**
 * Returns the synthetic EXL2 model and its GGUF twin for a preset, building what the cache lacks. A
 * marker file written after each file records its size and format version. A file without a matching
 * marker is rebuilt, and a new EXL2 model also rebuilds the GGUF.
 */
export async function prepareModels(options: PrepareModelsOptions): Promise<PreparedModels> {
  const seed = options.seed ?? 0;
  const ggufType = options.ggufType ?? 'q4_0';
  const entry = join(options.cacheDir, `${options.name}-seed${seed}`);
  const exl2Dir = join(entry, 'exl2');
  const exl2File = join(exl2Dir, 'output.safetensors');
  const exl2Marker = join(entry, 'exl2.done.json');
  const ggufPath = join(entry, `model-${ggufType}.gguf`);
  const ggufMarker = join(entry, `model-${ggufType}.done.json`);
  const log = options.log ?? (() => {});
  const buildMs = { exl2: 0, gguf: 0 };

  let exl2Bytes = await cachedBytes(exl2Marker, exl2File, EXL2_CACHE_VERSION);
  let ggufBytes =
    exl2Bytes === undefined ? undefined : await cachedBytes(ggufMarker, ggufPath, GGUF_CACHE_VERSION);
  const cached = exl2Bytes !== undefined && ggufBytes !== undefined;

  if (exl2Bytes === undefined) {
    await rm(entry, { recursive: true, force: true });
    await mkdir(entry, { recursive: true });
    log(`Generating the ${options.name} EXL2 model in ${exl2Dir}`);
    const start = performance.now();
    const generated = await generateSyntheticModel({
      outDir: exl2Dir,
      shape: options.shape,
      seed,
      bits: 4.0,
      headBits: 8,
      tokenizer: options.tokenizer,
    });
    buildMs.exl2 = performance.now() - start;
    exl2Bytes = generated.weightBytes;
    await writeMarker(exl2Marker, EXL2_CACHE_VERSION, exl2Bytes);
  }

  if (ggufBytes === undefined) {
    log(`Writing the ${ggufType} GGUF twin to ${ggufPath}`);
    const start = performance.now();
    const reader = await openModel(directoryFiles(exl2Dir));
    try {
      const { metadata, tensors } = await ggufFromModel(reader, ggufType);
      ggufBytes = await writeGgufFile(ggufPath, metadata, tensors);
    } finally {
      await reader.close();
    }
    buildMs.gguf = performance.now() - start;
    await writeMarker(ggufMarker, GGUF_CACHE_VERSION, ggufBytes);
  }
  return { exl2Dir, ggufPath, exl2Bytes, ggufBytes, cached, buildMs };
}
