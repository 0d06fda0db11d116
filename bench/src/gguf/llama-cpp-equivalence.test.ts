import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '@minichat/exl2-format';
import { directoryFiles, generateSyntheticModel } from '@minichat/exl2-format/node';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { loadModelFromDirectory } from '@minichat/runtime/node';
import { getLlama, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggufFromModel } from './from-model.js';
import { writeGgufFile } from './write-file.js';

// A small LLaMA with LLaMA-2's vocabulary: big enough for several heads and layers, small enough to
// build in a second. std 0.08 makes the logits peaked, so near-ties between f32 implementations are rare.
const SHAPE = {
  hiddenSize: 128,
  intermediateSize: 256,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 4,
  vocabSize: 32000,
  maxPositionEmbeddings: 256,
  tieWordEmbeddings: false,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
};
const PROMPT = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889];
const TOKENS = 12;

let root: string;
let modelDir: string;

async function llamaCppGreedy(path: string): Promise<number[]> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  try {
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({ contextSize: 64, threads: 1 });
    const tokens: number[] = [];
    for await (const token of context.getSequence().evaluate(PROMPT as Token[], { temperature: 0 })) {
      tokens.push(token);
      if (tokens.length >= TOKENS) break;
    }
    await context.dispose();
    await model.dispose();
    return tokens;
  } finally {
    await llama.dispose();
  }
}

async function writeF32Gguf(path: string, permuteRope: boolean): Promise<void> {
  const reader = await openModel(directoryFiles(modelDir));
  try {
    const { metadata, tensors } = await ggufFromModel(reader, 'f32', { permuteRope });
    await writeGgufFile(path, metadata, tensors);
  } finally {
    await reader.close();
  }
}

describe('GGUF twin in llama.cpp', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'minichat-bench-gguf-'));
    modelDir = join(root, 'exl2');
    const fixtures = process.env.MINICHAT_FIXTURES!;
    const tokenizer = new Uint8Array(await readFile(join(fixtures, 'tokenizers', 'llama2-tokenizer.model')));
    await generateSyntheticModel({ outDir: modelDir, shape: SHAPE, seed: 3, std: 0.08, tokenizer });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('generates our CPU backend tokens', async () => {
    // llama.cpp runs an F32 GGUF of the decoded EXL2 weights; our f32 reference backend runs the EXL2
    // file itself. The same greedy tokens mean metadata, names, layouts and RoPE order all agree.
    const path = join(root, 'model-f32.gguf');
    await writeF32Gguf(path, true);
    const model = await loadModelFromDirectory(modelDir, { backend: createCpuBackend(), contextLength: 64 });
    let ours: number[] = [];
    for await (const event of model.generate({
      promptTokens: PROMPT,
      maxTokens: TOKENS,
      stopTokens: [],
      sampling: { temperature: 0 },
    })) {
      if (event.type === 'finish') ours = event.tokens;
    }
    model.dispose();
    const theirs = await llamaCppGreedy(path);
    expect(ours).toHaveLength(TOKENS);
    expect(new Set(ours).size).toBeGreaterThan(1);
    expect(theirs).toEqual(ours);

    // Without the q/k reordering llama.cpp rotates the wrong pairs and generates something else, so the
    // comparison above does check the RoPE order.
    const unpermuted = join(root, 'model-f32-hf-order.gguf');
    await writeF32Gguf(unpermuted, false);
    expect(await llamaCppGreedy(unpermuted)).not.toEqual(ours);
  });
});
