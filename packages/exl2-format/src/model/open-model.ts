import {
  type GenerationConfig,
  type LlamaConfig,
  parseGenerationConfig,
  parseLlamaConfig,
} from '../config.js';
import { Exl2TensorError, listChoices, ModelConfigError, NotFoundError } from '../errors.js';
import { type Exl2Group, parseQGroups } from '../exl2/groups.js';
import { assembleExl2Tensors } from '../exl2/tensors.js';
import { bfloat16ArrayToFloat32, float32ArrayToHalf, halfArrayToFloat32 } from '../half.js';
import { MAX_JSON_FILE_BYTES, MAX_TOKENIZER_FILE_BYTES } from '../limits.js';
import { type ModelFiles, readWholeFile } from '../model-files.js';
import type { TensorInfo } from '../safetensors/header.js';
import { bytesAsTypedArray } from '../safetensors/reader.js';
import { readCoalesced } from './coalesce.js';
import { describeDense, describeExl2, exl2Infos, type LinearDescriptor } from './linear.js';
import type { ModelReader, TokenizerFiles } from './model-reader.js';
import { openShards, type TensorLocation } from './shards.js';
import { summarizeModel } from './summary.js';

/** Options of {@link openModel}. */
export interface OpenModelOptions {
  /** Aborts reading headers and configs. Default: none. */
  signal?: AbortSignal;
}

async function readJson(files: ModelFiles, name: string, signal?: AbortSignal): Promise<unknown> {
  const text = new TextDecoder().decode(await readWholeFile(files, name, MAX_JSON_FILE_BYTES, signal));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`${name} is not valid JSON (${String(error)}).`, { file: name, cause: error });
  }
}

const LINEAR_PATTERN = /^(model\.layers\.\d+\.(self_attn|mlp)\.[a-z_]+_proj|lm_head)$/;

function checkShape(info: TensorInfo | undefined, name: string, expected: number[]): void {
  if (!info)
    throw new NotFoundError(`Tensor ${name} is missing; the model files are incomplete.`, {
      tensor: name,
      expected: `[${expected.join(', ')}]`,
      actual: 'missing',
    });
  if (info.shape.length !== expected.length || info.shape.some((dimension, i) => dimension !== expected[i])) {
    throw new Exl2TensorError(
      `${name} has shape [${info.shape.join(', ')}] but config.json implies [${expected.join(', ')}].`,
      {
        tensor: name,
        expected: `[${expected.join(', ')}]`,
        actual: `[${info.shape.join(', ')}]`,
      },
    );
  }
  if (!['F32', 'F16', 'BF16'].includes(info.dtype)) {
    throw new Exl2TensorError(`${name} has dtype ${info.dtype}; expected F32, F16 or BF16.`, {
      tensor: name,
      expected: 'F32|F16|BF16',
      actual: info.dtype,
    });
  }
}

/**
 * Opens a model: validates `config.json`, reads every safetensors header, describes each linear
 * layer (reading only the small `q_groups` tensors) and checks all shapes against the config.
 * Weights are read later, one tensor or layer at a time.
 */
export async function openModel(files: ModelFiles, options: OpenModelOptions = {}): Promise<ModelReader> {
  const { signal } = options;
  const names = files.list();
  if (!names.includes('config.json')) {
    throw new NotFoundError(`config.json is missing from ${files.location}. Files: ${listChoices(names)}.`, {
      file: 'config.json',
      actual: 'missing',
    });
  }
  const config = parseLlamaConfig(await readJson(files, 'config.json', signal));
  const generationConfig = names.includes('generation_config.json')
    ? parseGenerationConfig(await readJson(files, 'generation_config.json', signal))
    : undefined;

  const { tensors, warnings } = await openShards(files, signal);
  const lookup = (name: string) => tensors.get(name)?.info;
  const exl2Prefixes = [...tensors.keys()]
    .filter((name) => name.endsWith('.q_weight'))
    .map((name) => name.slice(0, -'.q_weight'.length));

  const groupLocations = exl2Prefixes.map((prefix) => {
    exl2Infos(prefix, lookup);
    return tensors.get(`${prefix}.q_groups`)!;
  });
  const groupBytes = await readCoalesced(groupLocations, signal);

  const linears = new Map<string, LinearDescriptor>();
  for (const prefix of exl2Prefixes) {
    const infos = exl2Infos(prefix, lookup);
    const qGroups = bytesAsTypedArray(groupBytes.get(`${prefix}.q_groups`)!, 'U16');
    const groups: Exl2Group[] = parseQGroups(
      qGroups,
      infos.qInvperm.shape[0] ?? 0,
      infos.qWeight.shape[0] ?? 0,
      prefix,
    );
    const descriptor = describeExl2(prefix, infos, groups, config);
    if (!descriptor.kernelOrder)
      warnings.push(
        `${prefix}: groups are not in non-increasing bit order; exllamav2's kernels would misread this layer.`,
      );
    linears.set(prefix, descriptor);
  }
  for (const name of tensors.keys()) {
    if (!name.endsWith('.weight')) continue;
    const prefix = name.slice(0, -'.weight'.length);
    if (!LINEAR_PATTERN.test(prefix) || linears.has(prefix)) continue;
    linears.set(prefix, describeDense(prefix, lookup(name)!, lookup(`${prefix}.bias`), config));
  }

  // Every tensor the LLaMA forward pass needs must exist with the shape config.json implies.
  checkShape(lookup('model.embed_tokens.weight'), 'model.embed_tokens.weight', [
    config.vocabSize,
    config.hiddenSize,
  ]);
  checkShape(lookup('model.norm.weight'), 'model.norm.weight', [config.hiddenSize]);
  const required = [
    'self_attn.q_proj',
    'self_attn.k_proj',
    'self_attn.v_proj',
    'self_attn.o_proj',
    'mlp.gate_proj',
    'mlp.up_proj',
    'mlp.down_proj',
  ];
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    for (const norm of ['input_layernorm', 'post_attention_layernorm']) {
      const name = `model.layers.${layer}.${norm}.weight`;
      checkShape(lookup(name), name, [config.hiddenSize]);
    }
    for (const part of required) {
      const prefix = `model.layers.${layer}.${part}`;
      if (!linears.has(prefix)) {
        throw new NotFoundError(
          `Linear layer ${prefix} is missing (neither ${prefix}.q_weight nor ${prefix}.weight exists).`,
          { tensor: prefix, actual: 'missing' },
        );
      }
    }
  }
  if (!config.tieWordEmbeddings && !linears.has('lm_head')) {
    throw new NotFoundError('lm_head is missing and config.json sets tie_word_embeddings false.', {
      tensor: 'lm_head',
      actual: 'missing',
    });
  }
  const extraLayer = [...linears.keys()].find(
    (prefix) => Number(/^model\.layers\.(\d+)\./.exec(prefix)?.[1] ?? -1) >= config.numHiddenLayers,
  );
  if (extraLayer) {
    throw new Exl2TensorError(
      `${extraLayer} belongs to a layer beyond num_hidden_layers ${config.numHiddenLayers} in config.json.`,
      {
        tensor: extraLayer,
        expected: `layers 0..${config.numHiddenLayers - 1}`,
        actual: extraLayer,
      },
    );
  }

  return createReader(files, config, generationConfig, tensors, linears, warnings);
}

function createReader(
  files: ModelFiles,
  config: LlamaConfig,
  generationConfig: GenerationConfig | undefined,
  tensors: Map<string, TensorLocation>,
  linears: Map<string, LinearDescriptor>,
  warnings: string[],
): ModelReader {
  const locate = (name: string): TensorLocation => {
    const location = tensors.get(name);
    if (!location) {
      throw new NotFoundError(
        `Tensor ${name} is not in the model. Tensors: ${listChoices([...tensors.keys()])}.`,
        { tensor: name, actual: 'missing' },
      );
    }
    return location;
  };
  const readBytes = (name: string, signal?: AbortSignal) => {
    const { file, info } = locate(name);
    return file.source.read(info.byteOffset, info.byteLength, signal);
  };
  const denseInfo = (name: string) => {
    const { info } = locate(name);
    if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
      throw new Exl2TensorError(
        `${name} has dtype ${info.dtype}; only F32, F16 and BF16 tensors can be read as dense values.`,
        {
          tensor: name,
          expected: 'F32|F16|BF16',
          actual: info.dtype,
        },
      );
    }
    return info as TensorInfo & { dtype: 'F32' | 'F16' | 'BF16' };
  };

  const linearPrefixes = [...linears.keys()].sort();
  const linearDescriptors = linearPrefixes.map((prefix) => linears.get(prefix)!);
  const linearTensorNames = new Set<string>();
  for (const descriptor of linearDescriptors) {
    const suffixes =
      descriptor.kind === 'exl2'
        ? ['q_weight', 'q_scale', 'q_scale_max', 'q_groups', 'q_invperm', 'bias']
        : ['weight', 'bias'];
    for (const suffix of suffixes) linearTensorNames.add(`${descriptor.prefix}.${suffix}`);
  }
  const others = [...tensors.values()]
    .filter(({ info }) => !linearTensorNames.has(info.name))
    .map(({ info }) => ({
      elements: info.shape.reduce((product, dimension) => product * dimension, 1),
      bytes: info.byteLength,
    }));
  const summary = summarizeModel(linearDescriptors, others, tensors.size);

  return {
    config,
    generationConfig,
    format: summary.format,
    warnings,
    tensorNames: () => [...tensors.keys()],
    hasTensor: (name) => tensors.has(name),
    tensorInfo: (name) => locate(name).info,
    async readDense(name, signal) {
      const info = denseInfo(name);
      const bytes = await readBytes(name, signal);
      const data =
        info.dtype === 'F32'
          ? bytesAsTypedArray(bytes, 'F32').slice()
          : info.dtype === 'F16'
            ? halfArrayToFloat32(bytesAsTypedArray(bytes, 'F16'))
            : bfloat16ArrayToFloat32(bytesAsTypedArray(bytes, 'BF16'));
      return { name, shape: [...info.shape], dtype: info.dtype, data };
    },
    async readDenseHalf(name, signal) {
      const info = denseInfo(name);
      const bytes = await readBytes(name, signal);
      let data: Uint16Array;
      if (info.dtype === 'F16') data = bytesAsTypedArray(bytes, 'F16').slice();
      else if (info.dtype === 'F32') data = float32ArrayToHalf(bytesAsTypedArray(bytes, 'F32'));
      else data = float32ArrayToHalf(bfloat16ArrayToFloat32(bytesAsTypedArray(bytes, 'BF16')));
      return { name, shape: [...info.shape], dtype: info.dtype, data };
    },
    linear(prefix) {
      const descriptor = linears.get(prefix);
      if (!descriptor) {
        throw new NotFoundError(`No linear layer ${prefix}. Layers: ${listChoices(linearPrefixes)}.`, {
          tensor: prefix,
          actual: 'missing',
        });
      }
      return descriptor;
    },
    linearPrefixes: () => [...linearPrefixes],
    async readExl2(prefix, signal) {
      const descriptor = linears.get(prefix);
      if (descriptor?.kind !== 'exl2') {
        throw new NotFoundError(
          `${prefix} is not an EXL2 layer (no ${prefix}.q_weight). EXL2 layers: ${listChoices(linearPrefixes.filter((p) => linears.get(p)?.kind === 'exl2'))}.`,
          {
            tensor: `${prefix}.q_weight`,
            actual: 'missing',
          },
        );
      }
      const infos = exl2Infos(prefix, (name) => tensors.get(name)?.info);
      const read = async (info: TensorInfo) => ({
        bytes: await readBytes(info.name, signal),
        shape: info.shape,
      });
      const [qWeight, qScale, qScaleMax, qGroups, qInvperm, bias] = await Promise.all([
        read(infos.qWeight),
        read(infos.qScale),
        read(infos.qScaleMax),
        read(infos.qGroups),
        read(infos.qInvperm),
        infos.bias ? read(infos.bias) : undefined,
      ]);
      return assembleExl2Tensors(
        prefix,
        {
          qWeight: { data: bytesAsTypedArray(qWeight.bytes, 'U32'), shape: qWeight.shape },
          qScale: { data: bytesAsTypedArray(qScale.bytes, 'U32'), shape: qScale.shape },
          qScaleMax: { data: bytesAsTypedArray(qScaleMax.bytes, 'F16'), shape: qScaleMax.shape },
          qGroups: { data: bytesAsTypedArray(qGroups.bytes, 'U16'), shape: qGroups.shape },
          qInvperm: { data: bytesAsTypedArray(qInvperm.bytes, 'U32'), shape: qInvperm.shape },
          ...(bias ? { bias: { data: bytesAsTypedArray(bias.bytes, 'F16'), shape: bias.shape } } : {}),
        },
        descriptor.outFeatures,
      );
    },
    async readTokenizerFiles(signal) {
      const names = files.list();
      const result: TokenizerFiles = {};
      const bytes = (name: string) => readWholeFile(files, name, MAX_TOKENIZER_FILE_BYTES, signal);
      const text = async (name: string) => new TextDecoder().decode(await bytes(name));
      if (names.includes('tokenizer.model')) result.tokenizerModel = await bytes('tokenizer.model');
      if (names.includes('tokenizer.json')) result.tokenizerJson = await bytes('tokenizer.json');
      if (names.includes('tokenizer_config.json'))
        result.tokenizerConfig = await text('tokenizer_config.json');
      if (names.includes('special_tokens_map.json'))
        result.specialTokensMap = await text('special_tokens_map.json');
      if (names.includes('tokenizer.bin')) result.llama2cTokenizer = await bytes('tokenizer.bin');
      return result;
    },
    summary: () => summary,
    async close() {
      await files.close?.();
    },
  };
}
