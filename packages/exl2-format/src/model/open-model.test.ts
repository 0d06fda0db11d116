import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exl2TensorError, NotFoundError, SafetensorsHeaderError } from '../errors.js';
import { dequantizeExl2 } from '../exl2/dequantize.js';
import { halfToFloat } from '../half.js';
import { memoryFiles, urlFiles } from '../model-files.js';
import { directoryFiles } from '../node/directory-files.js';
import { startTestServer } from '../test-utils/http-server.js';
import { safetensorsBytes } from '../test-utils/memory.js';
import { TINY_CONFIG, tinyExl2Tensors } from '../test-utils/tiny-model.js';
import { openModel } from './open-model.js';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('openModel on a tiny EXL2 model', () => {
  const { tensors, layers } = tinyExl2Tensors();
  let files: Record<string, Uint8Array>;

  beforeAll(async () => {
    files = {
      'config.json': json(TINY_CONFIG),
      'generation_config.json': json({ bos_token_id: 1, eos_token_id: 2 }),
      'output.safetensors': await safetensorsBytes(tensors),
      'tokenizer_config.json': json({ add_bos_token: true }),
      // exllamav2 0.0.11 copies the source's index verbatim; it names files that are not there.
      'model.safetensors.index.json': json({
        weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors' },
      }),
    };
  });

  it('describes layers and the summary', async () => {
    const model = await openModel(memoryFiles(files));
    expect(model.format).toBe('exl2');
    expect(model.config.hiddenSize).toBe(64);
    expect(model.generationConfig?.eosTokenId).toEqual([2]);
    expect(model.warnings.join('\n')).toMatch(
      /Ignored model.safetensors.index.json because exllamav2 output files exist/,
    );
    const down = model.linear('model.layers.1.mlp.down_proj');
    expect(down).toMatchObject({
      kind: 'exl2',
      inFeatures: 96,
      outFeatures: 64,
      paddedOutFeatures: 64,
      codeBits: 4,
      kernelOrder: true,
    });
    const head = model.linear('lm_head');
    expect(head).toMatchObject({ inFeatures: 64, outFeatures: 100, paddedOutFeatures: 128, codeBits: 8 });

    const summary = model.summary();
    expect(summary.headBits).toBe(8);
    expect(summary.codeBits).toBe(4);
    expect(summary.layers).toHaveLength(15);
    // down_proj: q_weight 12 × 64 words, q_scale 3 × 8 words, 3 fp16 maxima, 6 int16 group
    // entries and 96 int32 permutation entries = 3072 + 96 + 6 + 12 + 384 bytes over 96 × 64 weights.
    expect(down.bytes).toBe(3570);
    expect(
      summary.layers.find((layer) => layer.prefix === 'model.layers.1.mlp.down_proj')?.bitsPerWeight,
    ).toBeCloseTo((3570 * 8) / (96 * 64), 10);
    expect(summary.tensorBytes).toBe(
      tensors.reduce((sum, t) => sum + (t.data as ArrayBufferView).byteLength, 0),
    );
  });

  it('reads EXL2 layers and dense tensors back', async () => {
    const model = await openModel(memoryFiles(files));
    const q = await model.readExl2('model.layers.0.self_attn.q_proj');
    const original = layers.get('model.layers.0.self_attn.q_proj')!;
    expect(q.qWeight).toEqual(original.qWeight);
    expect(q.perm).toEqual(original.perm);
    expect(dequantizeExl2(q, 'fp16')).toEqual(dequantizeExl2(original, 'fp16'));

    const embed = tensors.find((t) => t.name === 'model.embed_tokens.weight')!.data as Uint16Array;
    const dense = await model.readDense('model.embed_tokens.weight');
    expect(dense.shape).toEqual([100, 64]);
    expect(dense.data[5]).toBe(halfToFloat(embed[5]!));
    expect((await model.readDenseHalf('model.embed_tokens.weight')).data).toEqual(embed);
    expect((await model.readTokenizerFiles()).tokenizerConfig).toContain('add_bos_token');
    await expect(model.readExl2('model.embed_tokens')).rejects.toThrow(NotFoundError);
    expect(() => model.linear('nope')).toThrow(/No linear layer nope. Layers: lm_head, model.layers.0/);
  });

  it('reads a model split into shards with a valid index', async () => {
    const half = Math.floor(tensors.length / 2);
    const sharded = {
      'config.json': files['config.json']!,
      'output-00001-of-00002.safetensors': await safetensorsBytes(tensors.slice(0, half)),
      'output-00002-of-00002.safetensors': await safetensorsBytes(tensors.slice(half)),
    };
    const model = await openModel(memoryFiles(sharded));
    expect(model.tensorNames()).toHaveLength(tensors.length);
    expect((await model.readExl2('lm_head')).qWeight).toEqual(layers.get('lm_head')!.qWeight);
  });

  it('prefers exllamav2 output over source shards', async () => {
    // The source's fp16 shard and its index are still in the folder next to the EXL2 output.
    const source = await safetensorsBytes([
      { name: 'model.embed_tokens.weight', dtype: 'F16', shape: [2], data: new Uint16Array(2) },
    ]);
    const mixed = {
      ...files,
      'model-00001-of-00001.safetensors': source,
      'model.safetensors.index.json': json({
        weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00001.safetensors' },
      }),
    };
    const model = await openModel(memoryFiles(mixed));
    expect(model.format).toBe('exl2');
    expect(model.tensorInfo('model.embed_tokens.weight').shape).toEqual([100, 64]);
  });

  it('ignores a stale index without exllamav2 output', async () => {
    const renamed = {
      'config.json': files['config.json']!,
      'model.safetensors': files['output.safetensors']!,
      'model.safetensors.index.json': files['model.safetensors.index.json']!,
    };
    const model = await openModel(memoryFiles(renamed));
    expect(model.warnings.join('\n')).toMatch(
      /Ignored stale model.safetensors.index.json: it names missing files \(model-00001-of-00002.safetensors\)/,
    );
    expect(model.format).toBe('exl2');
  });

  it('rejects weights that disagree with config.json', async () => {
    const wrong = { ...files, 'config.json': json({ ...TINY_CONFIG, intermediate_size: 128 }) };
    await expect(openModel(memoryFiles(wrong))).rejects.toBeInstanceOf(Exl2TensorError);
    await expect(openModel(memoryFiles(wrong))).rejects.toThrow(
      /gate_proj stores 64 inputs × 96 padded outputs, but config.json implies 64 × 128/,
    );
    const vocab = { ...files, 'config.json': json({ ...TINY_CONFIG, vocab_size: 120 }) };
    await expect(openModel(memoryFiles(vocab))).rejects.toThrow(
      /model.embed_tokens.weight has shape \[100, 64\] but config.json implies \[120, 64\]/,
    );
    const layersMissing = { ...files, 'config.json': json({ ...TINY_CONFIG, num_hidden_layers: 3 }) };
    await expect(openModel(memoryFiles(layersMissing))).rejects.toThrow(
      /model.layers.2.input_layernorm.weight is missing/,
    );
  });

  it('rejects a truncated weights file', async () => {
    const whole = files['output.safetensors']!;
    const truncated = { ...files, 'output.safetensors': whole.subarray(0, whole.length - 100) };
    const promise = openModel(memoryFiles(truncated));
    await expect(promise).rejects.toBeInstanceOf(SafetensorsHeaderError);
    await expect(promise).rejects.toThrow(
      /lie outside the \d+-byte data section. The file is truncated or corrupt/,
    );
  });

  it('rejects a directory without config.json or weights', async () => {
    await expect(openModel(memoryFiles({ 'x.txt': new Uint8Array(1) }))).rejects.toThrow(
      /config.json is missing from memory. Files: x.txt/,
    );
    await expect(openModel(memoryFiles({ 'config.json': files['config.json']! }))).rejects.toThrow(
      /No \*.safetensors files in memory/,
    );
  });

  describe('on disk and over HTTP', () => {
    let directory: string;
    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'exl2-model-'));
      for (const [name, bytes] of Object.entries(files)) await writeFile(join(directory, name), bytes);
    });
    afterAll(() => rm(directory, { recursive: true, force: true }));

    it('opens a directory', async () => {
      const model = await openModel(directoryFiles(directory));
      expect(model.summary().headBits).toBe(8);
      expect((await model.readExl2('lm_head')).qWeight).toEqual(layers.get('lm_head')!.qWeight);
      await model.close();
    });

    it('opens a base URL with few requests for the headers', async () => {
      const server = await startTestServer(files);
      try {
        const model = await openModel(await urlFiles(server.url));
        const before = server.requests;
        expect((await model.readExl2('lm_head')).qScale).toEqual(layers.get('lm_head')!.qScale);
        expect(server.requests - before).toBe(5);
      } finally {
        await server.close();
      }
    });
  });
});
