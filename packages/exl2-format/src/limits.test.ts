import { describe, expect, it } from 'vitest';
import type { ByteSource } from './byte-source.js';
import { ByteSourceError, Exl2FormatError, Exl2TensorError, InvalidOptionError } from './errors.js';
import { dequantizeExl2 } from './exl2/dequantize.js';
import { checkExl2Shapes, type Exl2Tensors } from './exl2/tensors.js';
import {
  MAX_DECODE_ELEMENTS,
  MAX_EXL2_OUT_FEATURES,
  MAX_JSON_FILE_BYTES,
  MAX_SHARD_COUNT,
  MAX_TOKENIZER_FILE_BYTES,
} from './limits.js';
import { openModel } from './model/open-model.js';
import { type ModelFiles, memoryFiles, readWholeFile } from './model-files.js';
import { TINY_CONFIG } from './test-utils/tiny-model.js';

/** Returns a source that reports a size without holding the bytes, to test size limits without allocating them. */
function sizedSource(size: number, name: string): ByteSource {
  return {
    size,
    name,
    read: () => Promise.reject(new Error(`${name} must not be read`)),
  };
}

const config = new TextEncoder().encode(JSON.stringify(TINY_CONFIG));

describe('file limits', () => {
  it('rejects more shards than the limit', async () => {
    const entries: Record<string, Uint8Array> = { 'config.json': config };
    for (let i = 0; i <= MAX_SHARD_COUNT; i++)
      entries[`output-${String(i).padStart(5, '0')}.safetensors`] = new Uint8Array(0);
    const promise = openModel(memoryFiles(entries));
    await expect(promise).rejects.toBeInstanceOf(Exl2FormatError);
    await expect(promise).rejects.toThrow(/has 4097 safetensors files, more than the limit of 4096/);
  });

  it('rejects a config.json above the JSON size limit', async () => {
    const files: ModelFiles = {
      location: 'sized',
      list: () => ['config.json'],
      open: async (name) => sizedSource(MAX_JSON_FILE_BYTES + 1, name),
    };
    const promise = openModel(files);
    await expect(promise).rejects.toBeInstanceOf(ByteSourceError);
    await expect(promise).rejects.toThrow(/config.json is 16777217 bytes, more than the 16777216-byte limit/);
  });

  it('rejects a tokenizer above its size limit', async () => {
    const files: ModelFiles = {
      location: 'sized',
      list: () => ['tokenizer.json'],
      open: async (name) => sizedSource(MAX_TOKENIZER_FILE_BYTES + 1, name),
    };
    await expect(readWholeFile(files, 'tokenizer.json', MAX_TOKENIZER_FILE_BYTES)).rejects.toThrow(
      /more than the 67108864-byte limit/,
    );
  });

  it('rejects more output features than the limit', () => {
    const padded = MAX_EXL2_OUT_FEATURES + 32;
    expect(() =>
      checkExl2Shapes('huge', {
        qWeight: [4, padded],
        qScale: [1, padded / 8],
        qScaleMax: [1],
        qGroups: [2],
        qInvperm: [32],
      }),
    ).toThrow(Exl2TensorError);
  });

  it('refuses to decode more elements than one array holds', () => {
    const t = {
      name: 'huge',
      inFeatures: 65536,
      outFeatures: 1 << 20,
      paddedOutFeatures: 1 << 20,
    } as Exl2Tensors;
    expect(65536 * (1 << 20)).toBeGreaterThan(MAX_DECODE_ELEMENTS);
    expect(() => dequantizeExl2(t)).toThrow(InvalidOptionError);
    expect(() => dequantizeExl2(t)).toThrow(/exceed the 2147483647 elements one array may hold/);
  });
});
