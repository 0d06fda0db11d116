import type { LlamaConfig } from '../config.js';
import { Exl2TensorError, NotFoundError } from '../errors.js';
import { type Exl2Group, groupsInKernelOrder } from '../exl2/groups.js';
import { checkExl2Shapes } from '../exl2/tensors.js';
import type { TensorInfo } from '../safetensors/header.js';

/** Suffixes of the tensors of an EXL2 layer and the dtypes exllamav2 writes for them. */
export const EXL2_TENSOR_DTYPES = {
  q_weight: 'I32',
  q_scale: 'I32',
  q_scale_max: 'F16',
  q_groups: 'I16',
  q_invperm: 'I32',
  bias: 'F16',
} as const;

/** An EXL2-quantized linear layer, described from its header entries and `q_groups`. */
export interface Exl2LinearDescriptor {
  /** Discriminant. */
  kind: 'exl2';
  /** Layer prefix, e.g. `model.layers.0.mlp.down_proj`. */
  prefix: string;
  /** Input features K. */
  inFeatures: number;
  /** Output features N (from config.json when known, else the padded count). */
  outFeatures: number;
  /** N padded to a multiple of 32. */
  paddedOutFeatures: number;
  /** Groups in stored order. */
  groups: Exl2Group[];
  /** Average code bits per weight (`Σ rows × bits / K`). */
  codeBits: number;
  /** Stored bits (all tensors of the layer) per real weight `K × N`. */
  bitsPerWeight: number;
  /** Whether group widths never increase, which exllamav2's kernels require. */
  kernelOrder: boolean;
  /** Whether a `bias` tensor is stored. */
  hasBias: boolean;
  /** Bytes of all tensors of the layer. */
  bytes: number;
}

/** An unquantized linear layer stored as a PyTorch `[out, in]` weight. */
export interface DenseLinearDescriptor {
  /** Discriminant. */
  kind: 'dense';
  /** Layer prefix. */
  prefix: string;
  /** Input features (columns of the weight). */
  inFeatures: number;
  /** Output features (rows of the weight). */
  outFeatures: number;
  /** Storage dtype of the weight. */
  dtype: 'F32' | 'F16' | 'BF16';
  /** Whether a `bias` tensor is stored. */
  hasBias: boolean;
  /** Bytes of the weight and bias. */
  bytes: number;
}

/** A linear layer, EXL2 or dense. */
export type LinearDescriptor = Exl2LinearDescriptor | DenseLinearDescriptor;

/** Input and output sizes of a linear layer. */
export interface LinearShape {
  /** Input features (K). */
  inFeatures: number;
  /** Output features (N). */
  outFeatures: number;
}

/** Returns the sizes config.json implies for a LLaMA linear layer name, or undefined for other names. */
export function expectedLinearShape(prefix: string, config: LlamaConfig): LinearShape | undefined {
  const attention = config.numAttentionHeads * config.headDim;
  const keyValue = config.numKeyValueHeads * config.headDim;
  const suffix = prefix.split('.').at(-1);
  if (prefix === 'lm_head') return { inFeatures: config.hiddenSize, outFeatures: config.vocabSize };
  if (!/^model\.layers\.\d+\.(self_attn|mlp)\./.test(prefix)) return undefined;
  switch (suffix) {
    case 'q_proj':
      return { inFeatures: config.hiddenSize, outFeatures: attention };
    case 'k_proj':
    case 'v_proj':
      return { inFeatures: config.hiddenSize, outFeatures: keyValue };
    case 'o_proj':
      return { inFeatures: attention, outFeatures: config.hiddenSize };
    case 'gate_proj':
    case 'up_proj':
      return { inFeatures: config.hiddenSize, outFeatures: config.intermediateSize };
    case 'down_proj':
      return { inFeatures: config.intermediateSize, outFeatures: config.hiddenSize };
    default:
      return undefined;
  }
}

/** Checks the dtypes of an EXL2 layer's tensors and returns their header entries. */
export function exl2Infos(prefix: string, lookup: (name: string) => TensorInfo | undefined) {
  const get = (suffix: keyof typeof EXL2_TENSOR_DTYPES, required: boolean) => {
    const name = `${prefix}.${suffix}`;
    const info = lookup(name);
    if (!info) {
      if (!required) return undefined;
      throw new NotFoundError(`EXL2 layer ${prefix} has no ${name} tensor; the file is incomplete.`, {
        tensor: name,
        actual: 'missing',
      });
    }
    if (info.dtype !== EXL2_TENSOR_DTYPES[suffix]) {
      throw new Exl2TensorError(
        `${name} has dtype ${info.dtype}; exllamav2 stores it as ${EXL2_TENSOR_DTYPES[suffix]}.`,
        {
          tensor: name,
          expected: EXL2_TENSOR_DTYPES[suffix],
          actual: info.dtype,
        },
      );
    }
    return info;
  };
  return {
    qWeight: get('q_weight', true)!,
    qScale: get('q_scale', true)!,
    qScaleMax: get('q_scale_max', true)!,
    qGroups: get('q_groups', true)!,
    qInvperm: get('q_invperm', true)!,
    bias: get('bias', false),
  };
}

/** Builds the descriptor of an EXL2 layer from its header entries and parsed groups. */
export function describeExl2(
  prefix: string,
  infos: ReturnType<typeof exl2Infos>,
  groups: Exl2Group[],
  config: LlamaConfig | undefined,
): Exl2LinearDescriptor {
  const shape = checkExl2Shapes(prefix, {
    qWeight: infos.qWeight.shape,
    qScale: infos.qScale.shape,
    qScaleMax: infos.qScaleMax.shape,
    qGroups: infos.qGroups.shape,
    qInvperm: infos.qInvperm.shape,
    ...(infos.bias ? { bias: infos.bias.shape } : {}),
  });
  const expected = config ? expectedLinearShape(prefix, config) : undefined;
  if (
    expected &&
    (expected.inFeatures !== shape.inFeatures ||
      Math.ceil(expected.outFeatures / 32) * 32 !== shape.paddedOutFeatures)
  ) {
    throw new Exl2TensorError(
      `${prefix} stores ${shape.inFeatures} inputs × ${shape.paddedOutFeatures} padded outputs, but config.json implies ${expected.inFeatures} × ${expected.outFeatures}. The weights do not belong to this config.`,
      {
        tensor: `${prefix}.q_weight`,
        expected: `${expected.inFeatures} × ${Math.ceil(expected.outFeatures / 32) * 32}`,
        actual: `${shape.inFeatures} × ${shape.paddedOutFeatures}`,
      },
    );
  }
  const outFeatures = expected?.outFeatures ?? shape.paddedOutFeatures;
  const bytes = Object.values(infos).reduce((sum, info) => sum + (info?.byteLength ?? 0), 0);
  const codeBits = groups.reduce((sum, group) => sum + group.rows * group.bits, 0) / shape.inFeatures;
  return {
    kind: 'exl2',
    prefix,
    inFeatures: shape.inFeatures,
    outFeatures,
    paddedOutFeatures: shape.paddedOutFeatures,
    groups,
    codeBits,
    bitsPerWeight: (bytes * 8) / (shape.inFeatures * outFeatures),
    kernelOrder: groupsInKernelOrder(groups),
    hasBias: infos.bias !== undefined,
    bytes,
  };
}

/** Builds the descriptor of a dense `[out, in]` linear weight, checking it against config.json. */
export function describeDense(
  prefix: string,
  weight: TensorInfo,
  bias: TensorInfo | undefined,
  config: LlamaConfig | undefined,
): DenseLinearDescriptor {
  if (weight.shape.length !== 2 || !['F32', 'F16', 'BF16'].includes(weight.dtype)) {
    throw new Exl2TensorError(
      `${weight.name} must be a 2-D F32, F16 or BF16 matrix; found ${weight.dtype} [${weight.shape.join(', ')}].`,
      {
        tensor: weight.name,
        expected: '2-D F32|F16|BF16',
        actual: `${weight.dtype} [${weight.shape.join(', ')}]`,
      },
    );
  }
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  const expected = config ? expectedLinearShape(prefix, config) : undefined;
  if (expected && (expected.inFeatures !== inFeatures || expected.outFeatures !== outFeatures)) {
    throw new Exl2TensorError(
      `${weight.name} has shape [${outFeatures}, ${inFeatures}] but config.json implies [${expected.outFeatures}, ${expected.inFeatures}].`,
      {
        tensor: weight.name,
        expected: `[${expected.outFeatures}, ${expected.inFeatures}]`,
        actual: `[${outFeatures}, ${inFeatures}]`,
      },
    );
  }
  return {
    kind: 'dense',
    prefix,
    inFeatures,
    outFeatures,
    dtype: weight.dtype as DenseLinearDescriptor['dtype'],
    hasBias: bias !== undefined,
    bytes: weight.byteLength + (bias?.byteLength ?? 0),
  };
}
