import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaShape, llamaConfigJson, llamaTensorShapes } from '../convert/hf-config.js';
import { dequantizeExl2 } from '../exl2/dequantize.js';
import { bfloat16ToFloat, floatToBfloat16 } from '../half.js';
import { openModel } from '../model/open-model.js';
import { greedyDecode } from '../test-utils/llama-forward.js';
import { normalSamples } from '../test-utils/memory.js';
import { convertHf } from './convert-hf.js';
import { convertLlama2c } from './convert-llama2c.js';
import { directoryFiles } from './directory-files.js';
import { writeSafetensorsFile } from './write-file.js';

const fixtures = join(process.env.MINICHAT_FIXTURES ?? '', 'llama2c');
const expected = JSON.parse(readFileSync(join(fixtures, 'stories260K-expected.json'), 'utf8'));

const SHAPE: LlamaShape = {
  hiddenSize: 128,
  intermediateSize: 256,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  vocabSize: 300,
  maxPositionEmbeddings: 256,
  tieWordEmbeddings: false,
};

describe('convertHf', () => {
  let root: string;
  const weights = new Map<string, Float32Array>();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'exl2-hf-'));
    const input = join(root, 'bf16');
    await mkdir(input);
    // A BF16 model split into two shards with its index, like an HF checkpoint.
    const tensors = llamaTensorShapes(SHAPE).map((tensor, index) => {
      const count = tensor.shape.reduce((product, dimension) => product * dimension, 1);
      const bits = Uint16Array.from(normalSamples(count, index + 1), (value) => floatToBfloat16(value));
      weights.set(
        tensor.name,
        Float32Array.from(bits, (value) => bfloat16ToFloat(value)),
      );
      return { name: tensor.name, dtype: 'BF16' as const, shape: tensor.shape, data: bits };
    });
    const half = Math.floor(tensors.length / 2);
    const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    await writeSafetensorsFile(join(input, shards[0]!), tensors.slice(0, half));
    await writeSafetensorsFile(join(input, shards[1]!), tensors.slice(half));
    const weightMap = Object.fromEntries(
      tensors.map((tensor, index) => [tensor.name, shards[index < half ? 0 : 1]]),
    );
    await writeFile(
      join(input, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    await writeFile(
      join(input, 'config.json'),
      JSON.stringify(llamaConfigJson(SHAPE, { torch_dtype: 'bfloat16' })),
    );
    await writeFile(join(input, 'tokenizer_config.json'), '{"add_bos_token": true}');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('quantizes a sharded BF16 model to EXL2', async () => {
    const outDir = join(root, 'exl2');
    const result = await convertHf({ input: join(root, 'bf16'), outDir, bits: 4.65, headBits: 6 });
    expect((await readdir(outDir)).sort()).toEqual([
      'config.json',
      'output.safetensors',
      'tokenizer_config.json',
    ]);
    expect(result.files).toContain('config.json');

    const model = await openModel(directoryFiles(outDir));
    const summary = model.summary();
    expect(summary.format).toBe('exl2');
    // h6 with K = 128: the 8-bit share takes ceil(128 × 0.15 / 128) = 1 group, which is all rows.
    expect(summary.headBits).toBe(8);
    // 4.65 bpw gives 5-bit for ceil(K × 0.61875 / 128) groups: all of K = 128 and both groups of K = 256.
    const up = model.linear('model.layers.1.mlp.up_proj');
    expect(up.kind === 'exl2' && up.groups.map((group) => group.bits)).toEqual([5]);
    const downDescriptor = model.linear('model.layers.1.mlp.down_proj');
    expect(downDescriptor.kind === 'exl2' && downDescriptor.groups.map((group) => group.bits)).toEqual([
      5, 5,
    ]);
    expect(model.tensorInfo('model.embed_tokens.weight').dtype).toBe('F16');

    const down = await model.readExl2('model.layers.0.mlp.down_proj');
    const decoded = dequantizeExl2(down);
    const original = weights.get('model.layers.0.mlp.down_proj.weight')!;
    let error = 0;
    let energy = 0;
    for (let n = 0; n < 128; n++) {
      for (let i = 0; i < 256; i++) {
        error += (decoded[i * 128 + n]! - original[n * 256 + i]!) ** 2;
        energy += original[n * 256 + i]! ** 2;
      }
    }
    // Round-to-nearest at 4-5 bits leaves a relative RMS error of a few percent (about 2^-bits × 2).
    expect(Math.sqrt(error / energy)).toBeLessThan(0.12);
    await model.close();
  });

  it('keeps stories260K generating after an 8-bit round trip', async () => {
    const hf = join(root, 'stories-f32');
    await convertLlama2c({ checkpoint: join(fixtures, 'stories260K.bin'), outDir: hf, format: 'f32' });
    const outDir = join(root, 'stories-exl2');
    await convertHf({ input: hf, outDir, bits: 8.03125 });
    const model = await openModel(directoryFiles(outDir));
    expect(model.format).toBe('exl2');
    const ids: number[] = expected.cases[0].expected_token_ids;
    expect(await greedyDecode(model, [1], 20)).toEqual(ids.slice(0, 21));
    await model.close();
  });

  it('rejects an EXL2 input', async () => {
    await expect(convertHf({ input: join(root, 'exl2'), outDir: join(root, 'again') })).rejects.toThrow(
      /is already an EXL2 model/,
    );
  });
});
