/**
 * Times decode and prefill of a MiniChat-shaped model (24 layers, hidden 3072, FFN 8192, 24 heads of 128,
 * vocab 49216) with random EXL2 weights. Every projection is 4-bit in groups of 128 (4.0 bpw), or 3-bit
 * with `--bits 3`, and the head is 8-bit. It calls the backend ops in the order of a LLaMA forward pass, so it
 * measures the kernels without a model loader. The root `pnpm bench` compares whole models with llama.cpp.
 *
 * Usage: pnpm exec tsx --conditions=minichat-source scripts/bench-decode.ts [--threads N] [--bits B]
 *   [--exact] [--baseline] [--tokens N] [--prefill N] [--profile]
 *
 * `--profile` also prints the milliseconds per decoded token spent in each backend op.
 */
import { parseArgs } from 'node:util';
import type { Activation, Exl2WeightData, LinearWeight } from '@minichat/runtime';
import { createWasmBackend } from '../src/node.js';
import { randomLayer } from './random-exl2.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string' },
    bits: { type: 'string', default: '4' },
    exact: { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    tokens: { type: 'string', default: '16' },
    prefill: { type: 'string', default: '64' },
    profile: { type: 'boolean', default: false },
  },
});

const HIDDEN = 3072;
const FFN = 8192;
const LAYERS = 24;
const HEADS = 24;
const HEAD_DIM = 128;
const VOCAB = 49216;
const bits = Number(values.bits);

const backend = await createWasmBackend({
  ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
  exactActivations: values.exact,
  ...(values.baseline ? { relaxedSimd: false } : {}),
});
const uploadStart = performance.now();
const shapes = {
  q: [HIDDEN, HIDDEN],
  k: [HIDDEN, HIDDEN],
  v: [HIDDEN, HIDDEN],
  o: [HIDDEN, HIDDEN],
  gate: [HIDDEN, FFN],
  up: [HIDDEN, FFN],
  down: [FFN, HIDDEN],
} as const;
// One random matrix per shape, uploaded once per layer: the backend copies it, so layers do not share memory.
const templates = Object.fromEntries(
  Object.entries(shapes).map(([name, [k, n]]) => [name, randomLayer(name, k, n, bits)]),
) as Record<keyof typeof shapes, Exl2WeightData>;
const layers = Array.from({ length: LAYERS }, () =>
  Object.fromEntries(Object.entries(templates).map(([name, data]) => [name, backend.uploadLinear(data)])),
) as Record<keyof typeof shapes, LinearWeight>[];
const head = backend.uploadLinear(randomLayer('lm_head', HIDDEN, VOCAB, 8));
const norm = backend.uploadVector(new Float32Array(HIDDEN).fill(1));
const embedding = backend.uploadEmbedding({
  vocabSize: VOCAB,
  dim: HIDDEN,
  dtype: 'f16',
  data: new Uint16Array(VOCAB * HIDDEN).fill(0x2c00),
});
const uploadSeconds = (performance.now() - uploadStart) / 1000;

// With --profile, the ops of decode steps are timed one by one: each returns (or settles) when its work is done.
const opMilliseconds = new Map<string, number>();
let profiling = false;
if (values.profile) {
  const ops = [
    'embed',
    'rmsNorm',
    'matmul',
    'rope',
    'attention',
    'add',
    'swiglu',
    'copyRows',
    'sample',
  ] as const;
  const target = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ops) {
    const original = target[name]!.bind(backend);
    target[name] = (...args: unknown[]) => {
      if (!profiling) return original(...args);
      const start = performance.now();
      const record = () =>
        opMilliseconds.set(name, (opMilliseconds.get(name) ?? 0) + performance.now() - start);
      const result = original(...args);
      if (result instanceof Promise) return result.finally(record);
      record();
      return result;
    };
  }
}

const maxRows = Number(values.prefill);
const tokens = Number(values.tokens);
const cache = backend.createKvCache({
  numLayers: LAYERS,
  maxSequenceLength: maxRows + tokens + 8,
  numKvHeads: HEADS,
  headDim: HEAD_DIM,
  dtype: 'f16',
});
const act = (cols: number): Activation => backend.createActivation(maxRows, cols);
const x = act(HIDDEN);
const xb = act(HIDDEN);
const q = act(HIDDEN);
const k = act(HIDDEN);
const v = act(HIDDEN);
const attended = act(HIDDEN);
const projected = act(HIDDEN);
const gate = act(FFN);
const up = act(FFN);
const logits = backend.createActivation(1, VOCAB);

function forward(tokenIds: Int32Array, position: number): void {
  const rows = tokenIds.length;
  backend.embed(embedding, tokenIds, x);
  for (let layer = 0; layer < LAYERS; layer++) {
    const w = layers[layer]!;
    backend.rmsNorm(x, norm, 1e-5, xb, rows);
    backend.matmul(xb, w.q, q, rows);
    backend.matmul(xb, w.k, k, rows);
    backend.matmul(xb, w.v, v, rows);
    const rope = { numHeads: HEADS, headDim: HEAD_DIM, startPosition: position, theta: 10000 };
    backend.rope(q, rows, rope);
    backend.rope(k, rows, rope);
    const params = { layer, startPosition: position, numHeads: HEADS, numKvHeads: HEADS, headDim: HEAD_DIM };
    backend.attention(q, k, v, cache, rows, params, attended);
    backend.matmul(attended, w.o, projected, rows);
    backend.add(x, projected, x, rows);
    backend.rmsNorm(x, norm, 1e-5, xb, rows);
    backend.matmul(xb, w.gate, gate, rows);
    backend.matmul(xb, w.up, up, rows);
    backend.swiglu(gate, up, gate, rows);
    backend.matmul(gate, w.down, projected, rows);
    backend.add(x, projected, x, rows);
  }
  backend.rmsNorm(x, norm, 1e-5, xb, rows);
  backend.copyRows(xb, rows - 1, xb, 0, 1);
  backend.matmul(xb, head, logits, 1);
}

const prompt = Int32Array.from({ length: maxRows }, (_, i) => (i * 7919) % VOCAB);
const prefillStart = performance.now();
forward(prompt, 0);
const prefillSeconds = (performance.now() - prefillStart) / 1000;

let token = await backend.sample(logits, 0, { temperature: 0, topK: 0, topP: 1 }, 0);
const decodeStart = performance.now();
profiling = values.profile;
for (let i = 0; i < tokens; i++) {
  forward(Int32Array.of(token), maxRows + i);
  token = await backend.sample(logits, 0, { temperature: 0, topK: 0, topP: 1 }, 0);
}
const decodeSeconds = (performance.now() - decodeStart) / 1000;
profiling = false;

const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    backend: backend.info.description,
    decodeSettings: backend.decodeSettings ?? 'undecided',
    bits,
    uploadSeconds: Number(uploadSeconds.toFixed(1)),
    prefillTokensPerSecond: Number((maxRows / prefillSeconds).toFixed(2)),
    decodeTokensPerSecond: Number((tokens / decodeSeconds).toFixed(2)),
    rssGiB: Number((memory.rss / 2 ** 30).toFixed(2)),
    ...(values.profile
      ? {
          decodeMsPerToken: Object.fromEntries(
            [...opMilliseconds].map(([name, ms]) => [name, Number((ms / tokens).toFixed(2))]),
          ),
        }
      : {}),
  }),
);
backend.dispose();
