import { Exl2FormatError, listChoices } from '../errors.js';
import { MAX_JSON_FILE_BYTES, MAX_SHARD_COUNT } from '../limits.js';
import { type ModelFiles, readWholeFile } from '../model-files.js';
import type { TensorInfo } from '../safetensors/header.js';
import { openSafetensors, type SafetensorsFile } from '../safetensors/reader.js';

/** Location of one tensor: its shard file and header entry. */
export interface TensorLocation {
  /** Shard the tensor is stored in. */
  file: SafetensorsFile;
  /** Header entry of the tensor. */
  info: TensorInfo;
}

const INDEX_NAMES = ['model.safetensors.index.json', 'pytorch_model.bin.index.json'];

async function readIndexFiles(
  files: ModelFiles,
  signal: AbortSignal | undefined,
): Promise<{ name: string; shards: string[] } | undefined> {
  const name = INDEX_NAMES.find((candidate) => files.list().includes(candidate));
  if (!name) return undefined;
  try {
    const json = JSON.parse(
      new TextDecoder().decode(await readWholeFile(files, name, MAX_JSON_FILE_BYTES, signal)),
    );
    const weightMap = json?.weight_map;
    if (weightMap === null || typeof weightMap !== 'object') return { name, shards: [] };
    return { name, shards: [...new Set(Object.values(weightMap as Record<string, unknown>).map(String))] };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { name, shards: [] };
  }
}

/** File names exllamav2 gives its output: `output.safetensors` or `output-0000k-of-0000N.safetensors`. */
const EXL2_OUTPUT_NAME = /^output(-\d{5}-of-\d{5})?\.safetensors$/;

/**
 * Opens every safetensors shard of a model and maps tensor names to shards. exllamav2's output
 * files win when present, because exllamav2 0.0.11 copied the source model's index unchanged and
 * that index names the source's shards. Otherwise an index is used when every file it names
 * exists, and else every `*.safetensors` file is a shard. Returns a warning for each index that
 * was ignored.
 */
export async function openShards(
  files: ModelFiles,
  signal: AbortSignal | undefined,
): Promise<{ shards: SafetensorsFile[]; tensors: Map<string, TensorLocation>; warnings: string[] }> {
  const warnings: string[] = [];
  const available = files
    .list()
    .filter((name) => name.endsWith('.safetensors'))
    .sort();
  const exl2Outputs = available.filter((name) => EXL2_OUTPUT_NAME.test(name));
  let shardNames = exl2Outputs.length > 0 ? exl2Outputs : available;
  const index = await readIndexFiles(files, signal);
  if (index?.name.startsWith('model.safetensors')) {
    const missing = index.shards.filter((shard) => !available.includes(shard));
    if (exl2Outputs.length > 0) {
      warnings.push(
        `Ignored ${index.name} because exllamav2 output files exist (${listChoices(exl2Outputs, 3)}).`,
      );
    } else if (index.shards.length > 0 && missing.length === 0) {
      shardNames = index.shards.sort();
    } else {
      warnings.push(
        `Ignored stale ${index.name}: it names missing files (${listChoices(missing, 3)}); using every *.safetensors file instead.`,
      );
    }
  }
  if (shardNames.length === 0) {
    throw new Exl2FormatError(
      `No *.safetensors files in ${files.location}. Files: ${listChoices(files.list())}.`,
      {
        file: files.location,
        expected: '*.safetensors',
        actual: 'none',
      },
    );
  }
  if (shardNames.length > MAX_SHARD_COUNT) {
    throw new Exl2FormatError(
      `${files.location} has ${shardNames.length} safetensors files, more than the limit of ${MAX_SHARD_COUNT}.`,
      {
        file: files.location,
        expected: `<= ${MAX_SHARD_COUNT}`,
        actual: String(shardNames.length),
      },
    );
  }

  const shards: SafetensorsFile[] = [];
  const tensors = new Map<string, TensorLocation>();
  for (const name of shardNames) {
    const file = await openSafetensors(await files.open(name, signal), { signal });
    shards.push(file);
    for (const info of file.tensors.values()) {
      const previous = tensors.get(info.name);
      if (previous) {
        throw new Exl2FormatError(
          `Tensor ${info.name} appears in both ${previous.file.source.name} and ${name}; remove the duplicate shard.`,
          {
            file: name,
            tensor: info.name,
          },
        );
      }
      tensors.set(info.name, { file, info });
    }
  }
  return { shards, tensors, warnings };
}
