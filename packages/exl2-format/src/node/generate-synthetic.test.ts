import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSentencePieceModel } from '@minichat/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlamaShape } from '../convert/hf-config.js';
import { buildMinichatLikeTokenizer } from '../convert/minichat-tokenizer.js';
import { NormalRandom } from '../convert/random.js';
import { DTYPE_BYTES } from '../dtype.js';
import { openModel } from '../model/open-model.js';
import { loadSentencePiece } from '../test-utils/sentencepiece.js';
import { directoryFiles } from './directory-files.js';
import { generateSyntheticModel } from './generate-synthetic.js';

const llamaTokenizer = new Uint8Array(
  readFileSync(join(process.env.MINICHAT_FIXTURES ?? '', 'tokenizers', 'llama2-tokenizer.model')),
);

const SHAPE: LlamaShape = {
  hiddenSize: 256,
  intermediateSize: 512,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 4,
  vocabSize: 500,
  maxPositionEmbeddings: 512,
  tieWordEmbeddings: false,
};

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('generateSyntheticModel', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'exl2-synthetic-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes a readable 4.0 bpw model with an 8-bit head', async () => {
    const result = await generateSyntheticModel({ outDir: join(root, 'a'), shape: SHAPE, seed: 7 });
    expect(result.files).toEqual(['output.safetensors', 'config.json', 'generation_config.json']);
    const model = await openModel(directoryFiles(result.outDir));
    const summary = model.summary();
    expect(summary.format).toBe('exl2');
    expect(summary.codeBits).toBe(4);
    expect(summary.headBits).toBe(8);
    expect(model.linear('lm_head')).toMatchObject({ outFeatures: 500, paddedOutFeatures: 512 });
    for (const name of model.tensorNames()) {
      const info = model.tensorInfo(name);
      expect(info.byteOffset % DTYPE_BYTES[info.dtype], `${name} is not aligned`).toBe(0);
    }
    const norm = (await model.readDense('model.norm.weight')).data;
    expect(norm.reduce((sum, value) => sum + value, 0) / norm.length).toBeCloseTo(1, 2);
    await model.close();
  });

  it('is deterministic for a seed', async () => {
    const first = await generateSyntheticModel({ outDir: join(root, 'b'), shape: SHAPE, seed: 7 });
    const again = await generateSyntheticModel({ outDir: join(root, 'c'), shape: SHAPE, seed: 7 });
    const other = await generateSyntheticModel({ outDir: join(root, 'd'), shape: SHAPE, seed: 8 });
    const hash = (outDir: string) => sha256(join(outDir, 'output.safetensors'));
    expect(await hash(again.outDir)).toBe(await hash(first.outDir));
    expect(await hash(other.outDir)).not.toBe(await hash(first.outDir));
  });

  it('writes fp16 weights with the expected spread', async () => {
    const result = await generateSyntheticModel({
      outDir: join(root, 'f16'),
      shape: SHAPE,
      seed: 1,
      format: 'f16',
      std: 0.02,
    });
    const model = await openModel(directoryFiles(result.outDir));
    const embed = (await model.readDense('model.embed_tokens.weight')).data;
    const variance = embed.reduce((sum, value) => sum + value * value, 0) / embed.length;
    expect(Math.sqrt(variance)).toBeCloseTo(0.02, 3);
    await model.close();
  });
});

describe('MiniChat-like tokenizer', () => {
  it('extends LLaMA-2 to 49216 pieces', async () => {
    const base = parseSentencePieceModel(llamaTokenizer);
    const model = parseSentencePieceModel(buildMinichatLikeTokenizer(llamaTokenizer));
    expect(model.pieces).toHaveLength(49216);
    expect(model.trainerSpec.vocabSize).toBe(49216);
    expect(model.pieces.slice(0, 32000)).toEqual(base.pieces);
    expect(model.pieces[32000]).toMatchObject({ score: -(32000 - 259), type: 'NORMAL' });
    expect(model.pieces[49194]?.piece).toMatch(/^[\u4e00-\u9fff]$/);
    expect(model.pieces[49195]).toMatchObject({ piece: '<filler_0>', score: -(49195 - 259), type: 'UNUSED' });
  });

  it('loads in Google SentencePiece and encodes Chinese', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'exl2-tokenizer-'));
    try {
      const path = join(folder, 'tokenizer.model');
      await writeFile(path, buildMinichatLikeTokenizer(llamaTokenizer));
      const processor = await loadSentencePiece(path);
      const ids = processor.encodeIds('MiniChat应当拒绝参与违背伦理的讨论');
      expect(ids.some((id) => id >= 32000)).toBe(true);
      expect(processor.decodeIds(ids)).toBe('MiniChat应当拒绝参与违背伦理的讨论');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('NormalRandom', () => {
  it('matches standard normal moments', () => {
    const values = new NormalRandom(3).fillNormal(new Float32Array(1 << 20), 1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + value * value, 0) / values.length;
    const withinOne = values.filter((value) => Math.abs(value) < 1).length / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(variance).toBeCloseTo(1, 2);
    // P(|z| < 1) = 0.6827 for a standard normal.
    expect(withinOne).toBeCloseTo(0.6827, 2);
  });
});
