import { Exl2TensorError } from '../errors.js';
import { MAX_EXL2_IN_FEATURES, MAX_EXL2_OUT_FEATURES } from '../limits.js';
import { type Exl2Group, parseQGroups } from './groups.js';

/**
 * The tensors of one EXL2 linear layer, decoded from their containers. Matrices are stored
 * input-major: `q_weight` is `[qRows, paddedOutFeatures]` and computes `y = x @ W`.
 */
export interface Exl2Tensors {
  /** Layer prefix, for example `model.layers.0.self_attn.q_proj`. */
  name: string;
  /** Input features K (rows of W). */
  inFeatures: number;
  /** Output features N (columns of W that hold real outputs). */
  outFeatures: number;
  /** N rounded up to a multiple of 32, the stored column count. */
  paddedOutFeatures: number;
  /** Packed codes `[qRows, paddedOutFeatures]`, row-major. */
  qWeight: Uint32Array;
  /** 4-bit scale codes minus one, 8 per word, `[groups, paddedOutFeatures / 8]`. */
  qScale: Uint32Array;
  /** Per-group scale magnitude as fp16 bits. */
  qScaleMax: Uint16Array;
  /** `(bits, firstQRow)` pairs per group. */
  qGroups: Uint16Array;
  /** Stored row of each input feature. */
  qInvperm: Uint32Array;
  /** Input feature of each stored row (`argsort(qInvperm)`). */
  perm: Uint32Array;
  /** Groups decoded from `qGroups`. */
  groups: Exl2Group[];
  /** Optional fp16 bias of length `paddedOutFeatures`. */
  bias?: Uint16Array;
}

/** One array read from a file, with the shape its header declared. */
export interface RawArray<T> {
  /** Element data. */
  data: T;
  /** Declared shape, outermost dimension first. */
  shape: readonly number[];
}

/** Raw arrays of one EXL2 layer as read from a file, with the shapes the header declared. */
export interface Exl2RawTensors {
  /** `q_weight` words and shape `[qRows, paddedOutFeatures]`. */
  qWeight: RawArray<Uint32Array>;
  /** `q_scale` words and shape `[groups, paddedOutFeatures / 8]`. */
  qScale: RawArray<Uint32Array>;
  /** `q_scale_max` fp16 bits, shape `[groups]`. */
  qScaleMax: RawArray<Uint16Array>;
  /** `q_groups` entries read as uint16, shape `[2 × groups]`. */
  qGroups: RawArray<Uint16Array>;
  /** `q_invperm` entries read as uint32, shape `[inFeatures]`. */
  qInvperm: RawArray<Uint32Array>;
  /** Optional `bias` fp16 bits, shape `[paddedOutFeatures]`. */
  bias?: RawArray<Uint16Array>;
}

function shapeError(
  tensor: string,
  expected: string,
  actual: readonly number[],
  hint: string,
): Exl2TensorError {
  return new Exl2TensorError(`${tensor} has shape [${actual.join(', ')}]; expected ${expected}. ${hint}`, {
    tensor,
    expected,
    actual: `[${actual.join(', ')}]`,
  });
}

/** Checks the shapes of an EXL2 layer's tensors against each other; returns K, Np, qRows and G. */
export function checkExl2Shapes(
  name: string,
  shapes: {
    qWeight: readonly number[];
    qScale: readonly number[];
    qScaleMax: readonly number[];
    qGroups: readonly number[];
    qInvperm: readonly number[];
    bias?: readonly number[];
  },
): { inFeatures: number; paddedOutFeatures: number; qRows: number; groupCount: number } {
  const [qRows, paddedOutFeatures] = shapes.qWeight;
  if (
    shapes.qWeight.length !== 2 ||
    !qRows ||
    !paddedOutFeatures ||
    paddedOutFeatures % 32 !== 0 ||
    paddedOutFeatures > MAX_EXL2_OUT_FEATURES
  ) {
    throw shapeError(
      `${name}.q_weight`,
      `[qRows > 0, N padded to a multiple of 32, <= ${MAX_EXL2_OUT_FEATURES}]`,
      shapes.qWeight,
      'The file is not a valid EXL2 layer.',
    );
  }
  const inFeatures = shapes.qInvperm[0] ?? 0;
  if (shapes.qInvperm.length !== 1 || inFeatures < 1 || inFeatures > MAX_EXL2_IN_FEATURES) {
    throw shapeError(
      `${name}.q_invperm`,
      `[K] with 1 <= K <= ${MAX_EXL2_IN_FEATURES}`,
      shapes.qInvperm,
      'exllamav2 indexes rows with uint16.',
    );
  }
  const groupCount = shapes.qScaleMax[0] ?? 0;
  if (shapes.qScaleMax.length !== 1 || groupCount < 1) {
    throw shapeError(
      `${name}.q_scale_max`,
      '[G] with G >= 1',
      shapes.qScaleMax,
      'Each group needs one scale maximum.',
    );
  }
  if (shapes.qGroups.length !== 1 || shapes.qGroups[0] !== 2 * groupCount) {
    throw shapeError(
      `${name}.q_groups`,
      `[${2 * groupCount}]`,
      shapes.qGroups,
      'q_groups holds a (bits, row) pair per group.',
    );
  }
  if (
    shapes.qScale.length !== 2 ||
    shapes.qScale[0] !== groupCount ||
    shapes.qScale[1] !== paddedOutFeatures / 8
  ) {
    throw shapeError(
      `${name}.q_scale`,
      `[${groupCount}, ${paddedOutFeatures / 8}]`,
      shapes.qScale,
      'q_scale holds 8 scale nibbles per word.',
    );
  }
  if (shapes.bias && (shapes.bias.length !== 1 || shapes.bias[0] !== paddedOutFeatures)) {
    throw shapeError(
      `${name}.bias`,
      `[${paddedOutFeatures}]`,
      shapes.bias,
      'The bias is padded like q_weight columns.',
    );
  }
  return { inFeatures, paddedOutFeatures, qRows, groupCount };
}

/** Inverts a permutation, raising when `qInvperm` is not a permutation of `0..K-1`. */
export function invertPermutation(qInvperm: Uint32Array, tensor: string): Uint32Array {
  const perm = new Uint32Array(qInvperm.length).fill(0xffffffff);
  for (let i = 0; i < qInvperm.length; i++) {
    const k = qInvperm[i]!;
    if (k >= qInvperm.length || perm[k] !== 0xffffffff) {
      const problem =
        k >= qInvperm.length
          ? `entry ${i} is ${k}, outside 0..${qInvperm.length - 1}`
          : `row ${k} appears twice (entries ${perm[k]} and ${i})`;
      throw new Exl2TensorError(`${tensor}: q_invperm is not a permutation: ${problem}.`, {
        tensor,
        expected: `a permutation of 0..${qInvperm.length - 1}`,
        actual: problem,
      });
    }
    perm[k] = i;
  }
  return perm;
}

/**
 * Validates the raw tensors of one EXL2 layer and assembles {@link Exl2Tensors}. `outFeatures`
 * is the real output count from the model config (default: the padded count).
 */
export function assembleExl2Tensors(name: string, raw: Exl2RawTensors, outFeatures?: number): Exl2Tensors {
  const shapes = {
    qWeight: raw.qWeight.shape,
    qScale: raw.qScale.shape,
    qScaleMax: raw.qScaleMax.shape,
    qGroups: raw.qGroups.shape,
    qInvperm: raw.qInvperm.shape,
    ...(raw.bias ? { bias: raw.bias.shape } : {}),
  };
  const { inFeatures, paddedOutFeatures, qRows } = checkExl2Shapes(name, shapes);
  const out = outFeatures ?? paddedOutFeatures;
  if (!Number.isInteger(out) || out < 1 || out > paddedOutFeatures || paddedOutFeatures - out >= 32) {
    throw new Exl2TensorError(
      `${name}: ${out} output features do not pad to the ${paddedOutFeatures} stored columns of q_weight. Check config.json against the weights.`,
      {
        tensor: `${name}.q_weight`,
        expected: `${paddedOutFeatures - 31}..${paddedOutFeatures} output features`,
        actual: String(out),
      },
    );
  }
  const groups = parseQGroups(raw.qGroups.data, inFeatures, qRows, name);
  raw.qScaleMax.data.forEach((bits, g) => {
    // Exponent 31 encodes infinity or NaN, and the sign bit a negative scale: neither decodes sensibly.
    if ((bits & 0x7c00) === 0x7c00 || bits & 0x8000) {
      throw new Exl2TensorError(
        `${name}.q_scale_max: group ${g} has fp16 bits 0x${bits.toString(16)}, which is not a finite non-negative scale.`,
        {
          tensor: `${name}.q_scale_max`,
          expected: 'finite, >= 0',
          actual: `0x${bits.toString(16)}`,
        },
      );
    }
  });
  const perm = invertPermutation(raw.qInvperm.data, `${name}.q_invperm`);
  const tensors: Exl2Tensors = {
    name,
    inFeatures,
    outFeatures: out,
    paddedOutFeatures,
    qWeight: raw.qWeight.data,
    qScale: raw.qScale.data,
    qScaleMax: raw.qScaleMax.data,
    qGroups: raw.qGroups.data,
    qInvperm: raw.qInvperm.data,
    perm,
    groups,
  };
  if (raw.bias) tensors.bias = raw.bias.data;
  return tensors;
}
