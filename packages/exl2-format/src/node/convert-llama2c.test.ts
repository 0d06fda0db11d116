import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSentencePieceModel } from '@minichat/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../byte-source.js';
import { openLlama2cCheckpoint, parseLlama2cHeader, permuteRopeRows } from '../convert/llama2c-checkpoint.js';
import { Llama2cFormatError, UnsupportedModelError } from '../errors.js';
import { openModel } from '../model/open-model.js';
import { greedyDecode } from '../test-utils/llama-forward.js';
import { loadSentencePiece } from '../test-utils/sentencepiece.js';
import { convertLlama2c } from './convert-llama2c.js';
import { directoryFiles } from './directory-files.js';

const fixtures = join(process.env.MINICHAT_FIXTURES ?? '', 'llama2c');
const expected = JSON.parse(readFileSync(join(fixtures, 'stories260K-expected.json'), 'utf8'));
const expectedIds: number[] = expected.cases[0].expected_token_ids;

describe('convertLlama2c on stories260K', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'exl2-llama2c-'));
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  const convert = (format: 'f32' | 'f16' | 'exl2', bits?: number) =>
    convertLlama2c({
      checkpoint: join(fixtures, 'stories260K.bin'),
      tokenizer: join(fixtures, 'tok512.bin'),
      outDir: join(outDir, format),
      format,
      ...(bits ? { bits } : {}),
    });

  it('writes an HF directory whose fp32 weights generate the published text', async () => {
    const result = await convert('f32');
    expect(result.files.sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.model',
      'tokenizer_config.json',
    ]);
    expect(result.config).toMatchObject({
      hidden_size: 64,
      intermediate_size: 172,
      num_key_value_heads: 4,
      max_position_embeddings: 512,
      tie_word_embeddings: true,
    });
    const model = await openModel(directoryFiles(result.outDir));
    expect(model.hasTensor('lm_head.weight')).toBe(false);
    expect(model.tensorInfo('model.layers.4.mlp.down_proj.weight').shape).toEqual([64, 172]);
    // All 200 greedy tokens after BOS, as published for llama2.c's run.c.
    expect(await greedyDecode(model, [1], 200)).toEqual(expectedIds.slice(0, 201));
    await model.close();
  });

  it('writes fp16 weights that generate the same start', async () => {
    const model = await openModel(directoryFiles((await convert('f16')).outDir));
    expect(model.tensorInfo('model.embed_tokens.weight').dtype).toBe('F16');
    expect(await greedyDecode(model, [1], 20)).toEqual(expectedIds.slice(0, 21));
    await model.close();
  });

  it('writes an EXL2 directory with a leading 8-bit group for K = 172', async () => {
    const model = await openModel(directoryFiles((await convert('exl2', 8.03125)).outDir));
    expect(model.format).toBe('exl2');
    const down = model.linear('model.layers.0.mlp.down_proj');
    expect(down.kind === 'exl2' && down.groups.map((group) => [group.bits, group.rows])).toEqual([
      [8, 12],
      [8, 128],
      [8, 32],
    ]);
    expect(await greedyDecode(model, [1], 20)).toEqual(expectedIds.slice(0, 21));
    await model.close();
  });

  it('writes an untied 8-bit head for exllamav2 when asked', async () => {
    const result = await convertLlama2c({
      checkpoint: join(fixtures, 'stories260K.bin'),
      outDir: join(outDir, 'untied'),
      format: 'exl2',
      bits: 8.03125,
      untieEmbeddings: true,
    });
    expect(result.config.tie_word_embeddings).toBe(false);
    const model = await openModel(directoryFiles(result.outDir));
    expect(model.linear('lm_head')).toMatchObject({
      kind: 'exl2',
      inFeatures: 64,
      outFeatures: 512,
      codeBits: 8,
    });
    expect(await greedyDecode(model, [1], 20)).toEqual(expectedIds.slice(0, 21));
    await model.close();
  });

  it('writes the tok512 vocabulary as tokenizer.model', async () => {
    const model = parseSentencePieceModel(
      new Uint8Array(await readFile(join(outDir, 'f32', 'tokenizer.model'))),
    );
    expect(model.pieces).toHaveLength(512);
    expect(model.pieces[1]).toMatchObject({ piece: '<s>', type: 'CONTROL' });
    expect(model.pieces[259]?.piece).toBe('\u2581t');
    expect(model.pieces[410]?.piece).toBe('\u2581');
    const config = JSON.parse(await readFile(join(outDir, 'f32', 'tokenizer_config.json'), 'utf8'));
    expect(config.add_bos_token).toBe(true);
  });

  it('decodes the published ids with Google SentencePiece', async () => {
    const processor = await loadSentencePiece(join(outDir, 'f32', 'tokenizer.model'));
    expect(processor.decodeIds(expectedIds.slice(1))).toBe(expected.cases[0].expected_text);
  });
});

describe('llama2.c checkpoint validation', () => {
  const header = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);

  it('rejects out-of-range header fields', () => {
    expect(() => parseLlama2cHeader(header([0, 172, 5, 8, 4, 512, 512]))).toThrow(
      /dim is 0; expected 1..65536/,
    );
    expect(() => parseLlama2cHeader(header([64, 172, 5, 8, 16, 512, 512]))).toThrow(
      /n_kv_heads is 16; expected 1..8/,
    );
    expect(() => parseLlama2cHeader(header([64, 172, 5, 6, 3, 512, 512]))).toThrow(
      /do not split into whole, even-sized heads/,
    );
    expect(() => parseLlama2cHeader(new Uint8Array(10))).toThrow(Llama2cFormatError);
    expect(() => parseLlama2cHeader(header([0x616b3432, 1, 0, 0, 0, 0, 0]))).toThrow(UnsupportedModelError);
  });

  it('rejects a truncated checkpoint', async () => {
    const bytes = readFileSync(join(fixtures, 'stories260K.bin'));
    const truncated = bytesSource(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length - 4),
      'stories260K.bin',
    );
    await expect(openLlama2cCheckpoint(truncated)).rejects.toThrow(
      /is 1056536 bytes but its header .* implies 1056540/,
    );
  });

  it('reorders RoPE rows from adjacent pairs to halves', () => {
    // One head of size 4 with 1 input. llama2.c pairs rows (0,1) and (2,3), while HF pairs (0,2) and (1,3).
    expect([...permuteRopeRows(Float32Array.of(10, 11, 12, 13), 1, 4, 1)]).toEqual([10, 12, 11, 13]);
  });
});
