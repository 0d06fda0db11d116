import type { ModelReader } from '@minichat/exl2-format';

/** Estimated bytes one decode step reads, split by what they are. */
export interface DecodeTraffic {
  /** Bytes of every linear layer and the head, as stored. */
  weightBytes: number;
  /** Bytes of the norm vectors and of one embedding row. */
  smallBytes: number;
  /** Bytes of keys and values read by attention at the mean decode position (f16 cache). */
  kvCacheBytes: number;
  /** Sum of the above. */
  totalBytes: number;
}

/** Bytes of the f16 keys and values all layers read at `position` (keys and values of every earlier token). */
export function kvCacheReadBytes(reader: ModelReader, position: number): number {
  const { numHiddenLayers, numKeyValueHeads, headDim } = reader.config;
  return 2 * numHiddenLayers * position * numKeyValueHeads * headDim * 2;
}

/**
 * Estimates what our runtime reads from memory per decode step of an EXL2 model: every linear layer's
 * stored tensors, the fp16 norms, one fp16 embedding row and the KV cache at `meanPosition`.
 */
// NOTE: activations, logits and scratch buffers are left out: they are a few megabytes against gigabytes
// of weights for the full model, but a noticeable share for the quick preset's small model.
export function exl2DecodeTraffic(reader: ModelReader, meanPosition: number): DecodeTraffic {
  const { config } = reader;
  let weightBytes = 0;
  for (const prefix of reader.linearPrefixes()) weightBytes += reader.linear(prefix).bytes;
  const smallBytes = (2 * config.numHiddenLayers + 1) * config.hiddenSize * 2 + config.hiddenSize * 2;
  const kvCacheBytes = kvCacheReadBytes(reader, meanPosition);
  return { weightBytes, smallBytes, kvCacheBytes, totalBytes: weightBytes + smallBytes + kvCacheBytes };
}

/**
 * Estimates what llama.cpp reads per decode step of the GGUF twin: all tensors except the embedding,
 * one Q8_0 embedding row (34 bytes per 32 values) and the same f16 KV cache. `tensorBytes` maps GGUF
 * tensor names to their sizes.
 */
export function ggufDecodeTraffic(
  reader: ModelReader,
  tensorBytes: ReadonlyMap<string, number>,
  meanPosition: number,
): DecodeTraffic {
  let weightBytes = 0;
  let smallBytes = (reader.config.hiddenSize / 32) * 34;
  for (const [name, bytes] of tensorBytes) {
    if (name === 'token_embd.weight') continue;
    if (name.endsWith('norm.weight')) smallBytes += bytes;
    else weightBytes += bytes;
  }
  const kvCacheBytes = kvCacheReadBytes(reader, meanPosition);
  return { weightBytes, smallBytes, kvCacheBytes, totalBytes: weightBytes + smallBytes + kvCacheBytes };
}
