import { DTYPE_BYTES } from '../dtype.js';
import { InvalidOptionError } from '../errors.js';
import { type Exl2PlanEntry, headPlan, planForBits, planGroups } from '../exl2/plan.js';
import { exl2TensorsToWrite, type QuantizeExl2Options, quantizeExl2 } from '../exl2/quantize.js';
import { float32ArrayToHalf } from '../half.js';
import { EXL2_TENSOR_DTYPES } from '../model/linear.js';
import type { TensorToWrite } from '../safetensors/writer.js';

/** Storage of converted weights: all fp32, all fp16, or EXL2 linear layers with fp16 for the rest. */
export type OutputFormat = 'f32' | 'f16' | 'exl2';

/** One weight in HF naming and PyTorch layout, read only when the writer reaches it. */
export interface WeightSource {
  /** HF tensor name, such as `model.layers.0.mlp.down_proj.weight`. */
  name: string;
  /** PyTorch shape (`[out, in]` for linear layers). */
  shape: number[];
  /** Whether the weight is a linear layer that the `exl2` format quantizes. */
  linear: boolean;
  /** Produces the values as fp32. */
  read(): Promise<Float32Array> | Float32Array;
  /** Produces the values as fp16 bits without a full fp32 copy, for large dense tensors. Default: convert `read()`. */
  readHalf?(): Promise<Uint16Array> | Uint16Array;
}

/** EXL2 settings of the converters and the synthetic generator. */
export interface Exl2OutputOptions {
  /** Target bits per weight of decoder layers, including scale overhead. Default: 4.0. */
  bits?: number;
  /** Bit width of `lm_head`: 8 ("h8") or 6 ("h6"). Default: 8. */
  headBits?: number;
  /** Input-row order of each layer; see {@link QuantizeExl2Options.permutation}. Default: `'act-order-like'`. */
  permutation?: QuantizeExl2Options['permutation'];
}

/** Returns the quantization plan of a layer: the head recipe for `lm_head`, else the bits target. */
export function layerPlan(prefix: string, options: Exl2OutputOptions): Exl2PlanEntry[] {
  return prefix === 'lm_head' ? headPlan(options.headBits ?? 8) : planForBits(options.bits ?? 4.0);
}

/**
 * Turns weight sources into safetensors entries in the requested format. Every entry is lazy:
 * a weight is read (and for EXL2 quantized) only when the writer reaches it, and a quantized
 * layer is dropped once its last tensor is written, so memory use stays at about one layer.
 */
export function weightsToTensors(
  sources: readonly WeightSource[],
  format: OutputFormat,
  options: Exl2OutputOptions = {},
): TensorToWrite[] {
  if (format !== 'f32' && format !== 'f16' && format !== 'exl2') {
    throw new InvalidOptionError(
      `Unknown output format ${JSON.stringify(format)}; use 'f32', 'f16' or 'exl2'.`,
      {
        expected: "'f32' | 'f16' | 'exl2'",
        actual: String(format),
      },
    );
  }
  const entries: TensorToWrite[] = [];
  for (const source of sources) {
    if (format === 'exl2' && source.linear) {
      entries.push(...lazyExl2Entries(source, options));
      continue;
    }
    const dtype = format === 'f32' ? 'F32' : 'F16';
    entries.push({
      name: source.name,
      dtype,
      shape: source.shape,
      data: async () => {
        if (dtype === 'F16' && source.readHalf) return source.readHalf();
        const values = await source.read();
        return dtype === 'F32' ? values : float32ArrayToHalf(values);
      },
    });
  }
  return sortTensorsForAlignment(entries);
}

/**
 * Orders tensors by element size, widest first and otherwise keeping their order, so that every
 * tensor starts at a multiple of its element size when written back to back. The safetensors
 * reference writer orders tensors the same way, and readers that map tensors in place rely on it.
 */
export function sortTensorsForAlignment(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  return tensors
    .map((tensor, index) => ({ tensor, index }))
    .sort((a, b) => DTYPE_BYTES[b.tensor.dtype] - DTYPE_BYTES[a.tensor.dtype] || a.index - b.index)
    .map(({ tensor }) => tensor);
}

function lazyExl2Entries(source: WeightSource, options: Exl2OutputOptions): TensorToWrite[] {
  const prefix = source.name.replace(/\.weight$/, '');
  const [outFeatures, inFeatures] = source.shape as [number, number];
  const plan = layerPlan(prefix, options);
  // Shapes come from the plan alone, so the header can be written before anything is quantized.
  const groups = planGroups(inFeatures, plan);
  const padded = Math.ceil(outFeatures / 32) * 32;
  const qRows = groups.reduce((sum, group) => sum + (group.rows * group.bits) / 32, 0);
  const shapes: Record<string, number[]> = {
    q_groups: [2 * groups.length],
    q_invperm: [inFeatures],
    q_scale: [groups.length, padded / 8],
    q_scale_max: [groups.length],
    q_weight: [qRows, padded],
  };

  // The writer requests the large I32 tensors of every layer before the small 2-byte ones (see
  // sortTensorsForAlignment), so each entry leaves the map as soon as it is written.
  let pending: Promise<Map<string, TensorToWrite>> | undefined;
  const quantized = () => {
    pending ??= (async () => {
      const weight = await source.read();
      const t = quantizeExl2(weight, outFeatures, inFeatures, {
        plan,
        permutation: options.permutation ?? 'act-order-like',
        name: prefix,
      });
      return new Map(exl2TensorsToWrite(t).map((entry) => [entry.name, entry]));
    })();
    return pending;
  };
  return Object.entries(shapes).map(([suffix, shape]) => ({
    name: `${prefix}.${suffix}`,
    dtype: EXL2_TENSOR_DTYPES[suffix as keyof typeof EXL2_TENSOR_DTYPES],
    shape,
    data: async () => {
      const entries = await quantized();
      const name = `${prefix}.${suffix}`;
      const entry = entries.get(name)!;
      entries.delete(name);
      return entry.data as ArrayBufferView;
    },
  }));
}
