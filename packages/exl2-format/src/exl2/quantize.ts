import { InvalidOptionError } from '../errors.js';
import { floatToHalf, halfTable } from '../half.js';
import type { TensorToWrite } from '../safetensors/writer.js';
import { packColumnCodes, packScaleNibbles } from './codes.js';
import { encodeQGroups, zeroPoint } from './groups.js';
import { type Exl2PlanEntry, planGroups } from './plan.js';
import { type Exl2Tensors, invertPermutation } from './tensors.js';

/** Options of {@link quantizeExl2}. */
export interface QuantizeExl2Options {
  /** Bit widths and their shares of the input rows; see {@link planGroups}. Required. */
  plan: readonly Exl2PlanEntry[];
  /**
   * Input-row order before quantizing. `'none'` keeps natural order; `'act-order-like'` puts
   * the input features with the largest weight-column norm first (the stand-in for exllamav2's
   * Hessian order when there is no calibration data); `'random'` shuffles with `seed`; a
   * `Uint32Array` gives `perm[k]` = input feature of stored row k. Default: `'none'`.
   */
  permutation?: 'none' | 'act-order-like' | 'random' | Uint32Array;
  /** Seed of the `'random'` permutation. Default: 0. */
  seed?: number;
  /** fp16 bias of length `outFeatures`, stored padded as `bias`. Default: none. */
  bias?: Uint16Array;
  /** Layer name used in errors and in the result. Default: `'layer'`. */
  name?: string;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function buildPermutation(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  options: QuantizeExl2Options,
  name: string,
): Uint32Array {
  const choice = options.permutation ?? 'none';
  const perm = new Uint32Array(inFeatures);
  for (let i = 0; i < inFeatures; i++) perm[i] = i;
  if (choice === 'none') return perm;
  if (choice instanceof Uint32Array) {
    if (choice.length !== inFeatures) {
      throw new InvalidOptionError(
        `${name}: permutation has ${choice.length} entries; expected ${inFeatures}.`,
        {
          tensor: name,
          expected: String(inFeatures),
          actual: String(choice.length),
        },
      );
    }
    invertPermutation(choice, `${name} permutation`);
    return choice.slice();
  }
  if (choice === 'act-order-like') {
    const norms = new Float64Array(inFeatures);
    for (let n = 0; n < outFeatures; n++) {
      const row = n * inFeatures;
      for (let i = 0; i < inFeatures; i++) norms[i]! += weight[row + i]! * weight[row + i]!;
    }
    return Uint32Array.from([...perm].sort((a, b) => norms[b]! - norms[a]! || a - b));
  }
  if (choice === 'random') {
    let state = (options.seed ?? 0) >>> 0 || 0x9e3779b9;
    for (let i = inFeatures - 1; i > 0; i--) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const j = (state >>> 0) % (i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    return perm;
  }
  throw new InvalidOptionError(
    `${name}: unknown permutation ${JSON.stringify(choice)}; use 'none', 'act-order-like', 'random' or a Uint32Array.`,
    {
      tensor: name,
    },
  );
}

/**
 * Quantizes a PyTorch-layout weight `[outFeatures, inFeatures]` to EXL2 with round-to-nearest
 * codes. Scales follow exllamav2's converter: per group and column `base = max|w| / ((2^b-1)/2)`,
 * `q_scale_max` = the largest base rounded to fp16, and scale code
 * `clamp(round(16 × sqrt(base / q_scale_max)), 1, 16)`. Codes are chosen against the exact
 * scale `(code)² × q_scale_max / 256` (exllamav2 0.0.11 did the same with GPTQ on top).
 */
export function quantizeExl2(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  options: QuantizeExl2Options,
): Exl2Tensors {
  const name = options.name ?? 'layer';
  if (!Number.isInteger(outFeatures) || outFeatures < 1 || weight.length !== outFeatures * inFeatures) {
    throw new InvalidOptionError(
      `${name}: weight has ${weight.length} values; expected ${outFeatures} × ${inFeatures}.`,
      {
        tensor: name,
        expected: `${outFeatures * inFeatures}`,
        actual: String(weight.length),
      },
    );
  }
  const groups = planGroups(inFeatures, options.plan);
  const perm = buildPermutation(weight, outFeatures, inFeatures, options, name);
  const Np = Math.ceil(outFeatures / 32) * 32;
  const qRows = groups.reduce((sum, group) => sum + (group.rows * group.bits) / 32, 0);
  const qWeight = new Uint32Array(qRows * Np);
  const qScale = new Uint32Array((groups.length * Np) / 8);
  const qScaleMax = new Uint16Array(groups.length);
  const half = halfTable();

  // Each output row is gathered into stored (permuted) order once per pass, so the group loops
  // read contiguous memory even when the permutation scatters the inputs.
  const identity = perm.every((feature, k) => feature === k);
  const gathered = new Float32Array(inFeatures);
  const storedRow = (n: number): Float32Array => {
    const row = weight.subarray(n * inFeatures, (n + 1) * inFeatures);
    if (identity) return row;
    for (let k = 0; k < inFeatures; k++) gathered[k] = row[perm[k] as number]!;
    return gathered;
  };

  // Pass 1: the largest magnitude per group and output column.
  const maxAbs = new Float64Array(groups.length * Np);
  for (let n = 0; n < outFeatures; n++) {
    const row = storedRow(n);
    groups.forEach((group, g) => {
      let largest = 0;
      for (let k = group.rowStart; k < group.rowStart + group.rows; k++)
        largest = Math.max(largest, Math.abs(row[k]!));
      maxAbs[g * Np + n] = largest;
    });
  }

  // Scales per group: q_scale_max in fp16 and a 4-bit scale code per column.
  const scales = new Float64Array(groups.length * Np);
  const nibbles = new Uint8Array(Np);
  groups.forEach((group, g) => {
    const halfRange = ((1 << group.bits) - 1) / 2;
    let scaleMaxRaw = 0;
    for (let n = 0; n < outFeatures; n++)
      scaleMaxRaw = Math.max(scaleMaxRaw, maxAbs[g * Np + n]! / halfRange);
    if (!Number.isFinite(scaleMaxRaw) || scaleMaxRaw > 65504) {
      throw new InvalidOptionError(
        `${name}: group ${g} has weights too large or not finite (max |w| / ${halfRange} = ${scaleMaxRaw}); fp16 scales cannot represent them.`,
        { tensor: name },
      );
    }
    qScaleMax[g] = floatToHalf(scaleMaxRaw);
    const scaleMax = half[qScaleMax[g]]!;
    for (let n = 0; n < Np; n++) {
      const ratio = scaleMax > 0 ? maxAbs[g * Np + n]! / halfRange / scaleMax : 0;
      const code = Math.min(16, Math.max(1, roundHalfEven(16 * Math.sqrt(ratio))));
      nibbles[n] = code - 1;
      scales[g * Np + n] = (code * code * scaleMax) / 256;
    }
    packScaleNibbles(nibbles, qScale, Np, g);
  });

  // Pass 2: codes of one output column at a time, in stored row order, packed straight into
  // q_weight. Pad columns get the zero-point code, which decodes to exactly 0.
  const columnCodes = new Uint8Array(inFeatures);
  for (let n = 0; n < Np; n++) {
    const row = n < outFeatures ? storedRow(n) : undefined;
    groups.forEach((group, g) => {
      const zero = zeroPoint(group.bits);
      const scale = scales[g * Np + n]!;
      const end = group.rowStart + group.rows;
      if (!row || scale === 0) {
        columnCodes.fill(zero, group.rowStart, end);
        return;
      }
      const maxCode = (1 << group.bits) - 1;
      for (let k = group.rowStart; k < end; k++) {
        const value = roundHalfEven(row[k]! / scale) + zero;
        columnCodes[k] = Math.min(maxCode, Math.max(0, value));
      }
    });
    packColumnCodes(columnCodes, qWeight, Np, groups, n);
  }

  const qInvperm = new Uint32Array(inFeatures);
  for (let k = 0; k < inFeatures; k++) qInvperm[perm[k]!] = k;
  const tensors: Exl2Tensors = {
    name,
    inFeatures,
    outFeatures,
    paddedOutFeatures: Np,
    qWeight,
    qScale,
    qScaleMax,
    qGroups: encodeQGroups(groups),
    qInvperm,
    perm,
    groups,
  };
  if (options.bias) {
    if (options.bias.length !== outFeatures) {
      throw new InvalidOptionError(
        `${name}: bias has ${options.bias.length} entries; expected ${outFeatures}.`,
        {
          tensor: name,
          expected: String(outFeatures),
          actual: String(options.bias.length),
        },
      );
    }
    const bias = new Uint16Array(Np);
    bias.set(options.bias);
    tensors.bias = bias;
  }
  return tensors;
}

/** Lists the safetensors entries of a quantized layer under its prefix, in exllamav2's names. */
export function exl2TensorsToWrite(t: Exl2Tensors, prefix = t.name): TensorToWrite[] {
  const entries: TensorToWrite[] = [
    { name: `${prefix}.q_groups`, dtype: 'I16', shape: [t.qGroups.length], data: t.qGroups },
    { name: `${prefix}.q_invperm`, dtype: 'I32', shape: [t.inFeatures], data: t.qInvperm },
    {
      name: `${prefix}.q_scale`,
      dtype: 'I32',
      shape: [t.groups.length, t.paddedOutFeatures / 8],
      data: t.qScale,
    },
    { name: `${prefix}.q_scale_max`, dtype: 'F16', shape: [t.groups.length], data: t.qScaleMax },
    {
      name: `${prefix}.q_weight`,
      dtype: 'I32',
      shape: [t.qWeight.length / t.paddedOutFeatures, t.paddedOutFeatures],
      data: t.qWeight,
    },
  ];
  return t.bias
    ? [{ name: `${prefix}.bias`, dtype: 'F16', shape: [t.paddedOutFeatures], data: t.bias }, ...entries]
    : entries;
}
