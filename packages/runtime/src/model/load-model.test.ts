import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LlamaConfig, type ModelReader, openModel } from '@minichat/exl2-format';
import { directoryFiles, generateSyntheticModel } from '@minichat/exl2-format/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCpuBackend } from '../backend/cpu/cpu-backend.js';
import type { Backend } from '../backend/interface.js';
import { convertStories260k } from '../conformance/stories260k.js';
import {
  BackendVersionError,
  InvalidOptionError,
  UnsupportedModelError,
  WeightShapeError,
} from '../errors.js';
import { validateModelConfig } from './config.js';
import { loadModel } from './model.js';
import type { LoadProgress } from './weights.js';

const fixtures = process.env.MINICHAT_FIXTURES!;

/** Counts the handles a backend hands out and gets back. */
function countingBackend(): { backend: Backend; live: () => number } {
  const inner = createCpuBackend();
  let live = 0;
  const creators = new Set([
    'createActivation',
    'createKvCache',
    'uploadVector',
    'uploadEmbedding',
    'uploadLinear',
  ]);
  const backend = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (creators.has(String(property))) live++;
        if (property === 'release') live--;
        return result;
      };
    },
  });
  return { backend, live: () => live };
}

/** A reader whose config.json disagrees with its weights. */
function withConfig(reader: ModelReader, change: Partial<LlamaConfig>): ModelReader {
  return new Proxy(reader, {
    get(target, property, receiver) {
      if (property === 'config') return { ...target.config, ...change };
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('loadModel', () => {
  let directory: string;
  let cleanup: () => Promise<void>;
  let reader: ModelReader;

  beforeAll(async () => {
    ({ directory, cleanup } = await convertStories260k(fixtures, 'f32'));
    reader = await openModel(directoryFiles(directory));
  });
  afterAll(async () => {
    await reader.close();
    await cleanup();
  });

  test('reports progress up to the total', async () => {
    const progress: LoadProgress[] = [];
    const { backend, live } = countingBackend();
    const model = await loadModel({ source: reader, backend, onProgress: (event) => progress.push(event) });
    // Embedding, 5 layers of 2 norms and 7 linears, final norm; the classifier is tied.
    expect(progress).toHaveLength(1 + 5 * 9 + 1);
    expect(progress[0]!.tensor).toBe('model.embed_tokens.weight');
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.loadedBytes).toBeGreaterThan(progress[i - 1]!.loadedBytes);
    expect(progress.at(-1)!.loadedBytes).toBe(progress.at(-1)!.totalBytes);
    expect(model.config.numKvHeads).toBe(4);
    model.dispose();
    expect(live()).toBe(0);
  });

  test('uploads untied head after embedding', async () => {
    // Read in one piece, the head's buffer would otherwise be garbage on top of every decoder layer
    // at the end of loading, when the process uses the most memory.
    const directory = await mkdtemp(join(tmpdir(), 'minichat-untied-'));
    try {
      await generateSyntheticModel({
        outDir: directory,
        shape: {
          hiddenSize: 64,
          intermediateSize: 128,
          numHiddenLayers: 2,
          numAttentionHeads: 4,
          numKeyValueHeads: 2,
          vocabSize: 32000,
          maxPositionEmbeddings: 64,
          tieWordEmbeddings: false,
        },
        bits: 4.0,
        headBits: 8,
        tokenizer: await readFile(join(fixtures, 'tokenizers/llama2-tokenizer.model')),
      });
      const untied = await openModel(directoryFiles(directory));
      try {
        const uploads: string[] = [];
        const inner = createCpuBackend();
        const backend = new Proxy(inner, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if (property !== 'uploadLinear') return value;
            return (data: { name: string }) => {
              uploads.push(data.name);
              return inner.uploadLinear(data as Parameters<Backend['uploadLinear']>[0]);
            };
          },
        });
        const model = await loadModel({ source: untied, backend });
        expect(uploads[0]).toBe('lm_head');
        expect(uploads).toHaveLength(1 + 2 * 7);
        model.dispose();
      } finally {
        await untied.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('abort during loading releases uploads', async () => {
    const controller = new AbortController();
    const { backend, live } = countingBackend();
    const loading = loadModel({
      source: reader,
      backend,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.tensor.endsWith('layers.2.mlp.up_proj')) controller.abort();
      },
    });
    await expect(loading).rejects.toThrow(/abort/i);
    expect(live()).toBe(0);
  });

  test('shape mismatch names the tensor', async () => {
    const { backend, live } = countingBackend();
    const loading = loadModel({ source: withConfig(reader, { intermediateSize: 100 }), backend });
    await expect(loading).rejects.toThrow(WeightShapeError);
    await expect(
      loadModel({ source: withConfig(reader, { intermediateSize: 100 }), backend }),
    ).rejects.toThrow(
      /model\.layers\.0\.mlp\.gate_proj\.weight has shape \[172, 64\], but config\.json implies \[100, 64\]/,
    );
    expect(live()).toBe(0);
  });

  test('rejects a backend of another version', async () => {
    const backend = { ...createCpuBackend(), name: 'old', specificationVersion: 0 } as unknown as Backend;
    await expect(loadModel({ source: reader, backend })).rejects.toThrow(BackendVersionError);
    await expect(loadModel({ source: reader, backend })).rejects.toThrow(
      /implements backend interface version 0/,
    );
  });

  test('rejects invalid load options', async () => {
    const backend = createCpuBackend();
    await expect(loadModel({ source: reader, backend, contextLength: 513 })).rejects.toThrow(
      /contextLength = 513: expected an integer in \[2, 512\]/,
    );
    await expect(loadModel({ source: reader, backend, prefillChunkSize: 0 })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(loadModel({ source: reader, backend, kvCacheDtype: 'bf16' as 'f16' })).rejects.toThrow(
      /kvCacheDtype/,
    );
  });
});

describe('validateModelConfig', () => {
  const base: LlamaConfig = {
    architecture: 'LlamaForCausalLM',
    hiddenSize: 3072,
    intermediateSize: 8192,
    numHiddenLayers: 24,
    numAttentionHeads: 24,
    numKeyValueHeads: 24,
    headDim: 128,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    maxPositionEmbeddings: 4096,
    vocabSize: 49216,
    tieWordEmbeddings: false,
    attentionBias: false,
    mlpBias: false,
    bosTokenId: 1,
    eosTokenId: [2],
    raw: {},
  };

  test('accepts MiniChat-2-3B', () => {
    const config = validateModelConfig(base);
    expect(config.numLayers).toBe(24);
    expect(config.eosTokenIds).toEqual([2]);
  });

  const rejected: [string, Partial<LlamaConfig>, RegExp][] = [
    [
      'architecture',
      { architecture: 'GPT2LMHeadModel' },
      /architectures = "GPT2LMHeadModel"\. Supported architectures: LlamaForCausalLM/,
    ],
    [
      'rope scaling',
      { raw: { rope_scaling: { type: 'linear', factor: 2 } } },
      /rope_scaling = \{"type":"linear","factor":2\}/,
    ],
    ['activation', { raw: { hidden_act: 'gelu' } }, /hidden_act = "gelu"/],
    ['bias', { attentionBias: true }, /attention_bias = true/],
    ['head grouping', { numKeyValueHeads: 5 }, /num_key_value_heads = 5.*multiple/],
    ['odd head size', { headDim: 127 }, /head_dim = 127/],
    ['zero layers', { numHiddenLayers: 0 }, /num_hidden_layers = 0/],
  ];
  for (const [name, change, message] of rejected) {
    test(`rejects ${name}`, () => {
      expect(() => validateModelConfig({ ...base, ...change })).toThrow(UnsupportedModelError);
      expect(() => validateModelConfig({ ...base, ...change })).toThrow(message);
    });
  }

  test('caps context at a sliding window', () => {
    expect(validateModelConfig({ ...base, raw: { sliding_window: 1024 } }).maxPositionEmbeddings).toBe(1024);
  });
});
