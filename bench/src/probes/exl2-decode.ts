import { dequantizeExl2, type Exl2Tensors } from '@minichat/exl2-format';

/** One timed EXL2 decode. */
export interface Exl2DecodeTiming {
  /** Packed gigabytes (10^9 bytes of q_weight, q_scale, q_scale_max, q_groups and q_invperm) decoded per second. */
  packedGigabytesPerSecond: number;
  /** Weights (10^9) rebuilt per second. */
  gigaweightsPerSecond: number;
}

/** Bytes of the stored tensors of an EXL2 layer. */
export function exl2PackedBytes(t: Exl2Tensors): number {
  return (
    t.qWeight.byteLength +
    t.qScale.byteLength +
    t.qScaleMax.byteLength +
    t.qGroups.byteLength +
    t.qInvperm.byteLength
  );
}

/** Times exl2-format's `dequantizeExl2` (fp32 mode) over the given layers once. */
export function timeExl2Decode(layers: readonly Exl2Tensors[]): Exl2DecodeTiming {
  let packed = 0;
  let weights = 0;
  const start = performance.now();
  for (const layer of layers) {
    dequantizeExl2(layer, 'fp32');
    packed += exl2PackedBytes(layer);
    weights += layer.inFeatures * layer.outFeatures;
  }
  const seconds = (performance.now() - start) / 1000;
  return { packedGigabytesPerSecond: packed / 1e9 / seconds, gigaweightsPerSecond: weights / 1e9 / seconds };
}
