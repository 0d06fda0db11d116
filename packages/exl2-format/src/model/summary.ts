import type { LinearDescriptor } from './linear.js';

/** Per-layer line of a {@link ModelSummary}. */
export interface LayerSummary {
  /** Layer prefix. */
  prefix: string;
  /** `exl2` or `dense`. */
  kind: LinearDescriptor['kind'];
  /** Input × output features. */
  shape: [number, number];
  /** Average code bits per weight (dense: 8 × element size). */
  codeBits: number;
  /** Stored bits per weight including scales, permutation and padding (dense: 8 × element size). */
  bitsPerWeight: number;
  /** Bit widths with the number of stored rows at each, widest first. */
  rowsPerBits: Record<number, number>;
  /** Bytes on disk. */
  bytes: number;
}

/** What `minichat inspect` prints: format, bits per weight per layer and overall, head bits and sizes. */
export interface ModelSummary {
  /** `exl2` when any layer has `q_weight`, else `dense`. */
  format: 'exl2' | 'dense';
  /** Linear layers in file-name order. */
  layers: LayerSummary[];
  /** Stored bits per weight over the decoder's linear layers (without `lm_head`). */
  bitsPerWeight: number;
  /** Average code bits of the decoder's linear layers (without `lm_head`). */
  codeBits: number;
  /** Average code bits of `lm_head` (8 for an "h8" head); undefined when the head is tied or absent. */
  headBits: number | undefined;
  /** Parameters of the linear layers (K × N each), embeddings and norms. */
  parameterCount: number;
  /** Bytes of all tensors. */
  tensorBytes: number;
  /** Bytes of EXL2 layer tensors. */
  quantizedBytes: number;
  /** Bytes of unquantized tensors (embeddings, norms, dense layers). */
  denseBytes: number;
  /** Number of tensors. */
  tensorCount: number;
}

/** Builds a {@link ModelSummary} from linear descriptors and the sizes of the other tensors. */
export function summarizeModel(
  linears: readonly LinearDescriptor[],
  otherTensors: readonly { elements: number; bytes: number }[],
  tensorCount: number,
): ModelSummary {
  const layers: LayerSummary[] = linears.map((linear) => {
    const rowsPerBits: Record<number, number> = {};
    let codeBits: number;
    let bitsPerWeight: number;
    if (linear.kind === 'exl2') {
      for (const group of linear.groups)
        rowsPerBits[group.bits] = (rowsPerBits[group.bits] ?? 0) + group.rows;
      codeBits = linear.codeBits;
      bitsPerWeight = linear.bitsPerWeight;
    } else {
      const bits = linear.dtype === 'F32' ? 32 : 16;
      rowsPerBits[bits] = linear.inFeatures;
      codeBits = bits;
      bitsPerWeight = (linear.bytes * 8) / (linear.inFeatures * linear.outFeatures);
    }
    return {
      prefix: linear.prefix,
      kind: linear.kind,
      shape: [linear.inFeatures, linear.outFeatures],
      codeBits,
      bitsPerWeight,
      rowsPerBits,
      bytes: linear.bytes,
    };
  });

  const body = layers.filter((layer) => layer.prefix !== 'lm_head');
  const head = layers.find((layer) => layer.prefix === 'lm_head');
  const weights = (layer: LayerSummary) => layer.shape[0] * layer.shape[1];
  const bodyWeights = body.reduce((sum, layer) => sum + weights(layer), 0);
  const quantizedBytes = layers
    .filter((layer) => layer.kind === 'exl2')
    .reduce((sum, layer) => sum + layer.bytes, 0);
  const otherBytes = otherTensors.reduce((sum, tensor) => sum + tensor.bytes, 0);
  const linearBytes = layers.reduce((sum, layer) => sum + layer.bytes, 0);
  return {
    format: layers.some((layer) => layer.kind === 'exl2') ? 'exl2' : 'dense',
    layers,
    bitsPerWeight: bodyWeights ? body.reduce((sum, layer) => sum + layer.bytes * 8, 0) / bodyWeights : 0,
    codeBits: bodyWeights
      ? body.reduce((sum, layer) => sum + layer.codeBits * weights(layer), 0) / bodyWeights
      : 0,
    headBits: head?.codeBits,
    parameterCount:
      layers.reduce((sum, layer) => sum + weights(layer), 0) +
      otherTensors.reduce((sum, tensor) => sum + tensor.elements, 0),
    tensorBytes: linearBytes + otherBytes,
    quantizedBytes,
    denseBytes: linearBytes - quantizedBytes + otherBytes,
    tensorCount,
  };
}
