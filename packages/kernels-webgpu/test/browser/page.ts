// The browser test page: runs kernels of the WebGPU backend on `navigator.gpu` and compares each result
// with the CPU reference backend computed in the same page. The result lands in `window.minichatResult`.
import type { Activation, Backend } from '@minichat/runtime';
import { createCpuBackend } from '@minichat/runtime/cpu';
import { createWebGpuBackend } from '../../src/index.js';
import { packExl2 } from '../../src/test-utils/exl2-pack.js';
import { TestRandom } from '../../src/test-utils/random.js';

/** Outcome of one op: the largest difference from the reference, relative to the reference's RMS. */
interface OpResult {
  op: string;
  relativeError: number;
}

type Case = (backend: Backend) => Promise<Float32Array | number>;

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let squares = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    squares += expected[i]! * expected[i]!;
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  const rms = Math.sqrt(squares / Math.max(1, expected.length));
  return actual.length === expected.length ? worst / Math.max(rms, 1e-30) : Number.POSITIVE_INFINITY;
}

function activation(backend: Backend, rows: number, cols: number, data: Float32Array): Activation {
  const x = backend.createActivation(rows, cols);
  backend.writeActivation(x, data);
  return x;
}

/** Random fp16 bit patterns of magnitude below 1. */
function randomHalves(random: TestRandom, count: number): Uint16Array {
  return Uint16Array.from(
    { length: count },
    () => (random.int(2) << 15) | ((1 + random.int(14)) << 10) | random.int(1024),
  );
}

function cases(): Record<string, Case> {
  const random = new TestRandom(7);
  const hidden = 96;
  const x = random.floats(3 * hidden);
  const norm = random.floats(hidden);
  const table = random.floats(50 * hidden);
  const tokens = Int32Array.from([3, 49, 0]);
  const all: Record<string, Case> = {
    embed: async (backend) => {
      const out = backend.createActivation(3, hidden);
      backend.embed(
        backend.uploadEmbedding({ vocabSize: 50, dim: hidden, dtype: 'f32', data: table }),
        tokens,
        out,
      );
      return backend.readActivation(out, 0, 3);
    },
    rmsNorm: async (backend) => {
      const input = activation(backend, 3, hidden, x);
      backend.rmsNorm(input, backend.uploadVector(norm), 1e-5, input, 3);
      return backend.readActivation(input, 0, 3);
    },
    rope: async (backend) => {
      const input = activation(backend, 3, hidden, x);
      backend.rope(input, 3, { numHeads: 6, headDim: 16, startPosition: 300, theta: 10000 });
      return backend.readActivation(input, 0, 3);
    },
    'swiglu and add': async (backend) => {
      const a = activation(backend, 3, hidden, x);
      const b = activation(backend, 3, hidden, random.floats(3 * hidden));
      backend.swiglu(a, b, a, 3);
      backend.add(a, b, b, 3);
      return backend.readActivation(b, 0, 3);
    },
    'dense f16 matmul': async (backend) => {
      const weight = randomHalves(new TestRandom(11), 40 * hidden);
      const linear = backend.uploadLinear({
        kind: 'dense',
        name: 'dense',
        inFeatures: hidden,
        outFeatures: 40,
        dtype: 'f16',
        data: weight,
      });
      const out = backend.createActivation(3, 40);
      backend.matmul(activation(backend, 3, hidden, x), linear, out, 3);
      return backend.readActivation(out, 0, 3);
    },
    attention: async (backend) => {
      const qkv = new TestRandom(13);
      const cache = backend.createKvCache({
        numLayers: 1,
        maxSequenceLength: 16,
        numKvHeads: 2,
        headDim: 8,
        dtype: 'f16',
      });
      const out = backend.createActivation(3, 32);
      const q = activation(backend, 3, 32, qkv.floats(96));
      const k = activation(backend, 3, 16, qkv.floats(48));
      const v = activation(backend, 3, 16, qkv.floats(48));
      backend.attention(
        q,
        k,
        v,
        cache,
        3,
        { layer: 0, startPosition: 0, numHeads: 4, numKvHeads: 2, headDim: 8 },
        out,
      );
      backend.attention(
        q,
        k,
        v,
        cache,
        1,
        { layer: 0, startPosition: 3, numHeads: 4, numKvHeads: 2, headDim: 8 },
        out,
      );
      return backend.readActivation(out, 0, 3);
    },
    'greedy sample': async (backend) => {
      return backend.sample(
        activation(backend, 1, 300, random.floats(300, 4)),
        0,
        { temperature: 0, topK: 0, topP: 1 },
        0,
      );
    },
    'top-k top-p sample': async (backend) => {
      const logits = activation(backend, 1, 300, random.floats(300, 4));
      return backend.sample(logits, 0, { temperature: 0.8, topK: 40, topP: 0.9 }, 0.37);
    },
  };
  for (const bits of [2, 3, 4, 5, 6, 8]) {
    all[`exl2 ${bits}-bit matmul`] = async (backend) => {
      const codes = new TestRandom(bits);
      const inFeatures = 128;
      const outFeatures = 40;
      const weight = packExl2({
        name: `exl2 ${bits}-bit`,
        inFeatures,
        outFeatures,
        groups: [
          { bits, rows: 64 },
          { bits: 2, rows: 64 },
        ],
        codes: Array.from({ length: inFeatures * outFeatures }, (_, i) =>
          codes.int(1 << (i < 64 * outFeatures ? bits : 2)),
        ),
        scaleNibbles: Array.from({ length: 2 * 64 }, () => codes.int(16)),
        scaleMaxHalves: [0x2014, 0x24c2],
        perm: Array.from({ length: inFeatures }, (_, k) => (k * 37) % inFeatures),
      });
      const out = backend.createActivation(3, outFeatures);
      const input = activation(backend, 3, inFeatures, new TestRandom(99).floats(3 * inFeatures));
      backend.matmul(input, backend.uploadLinear(weight), out, 3);
      return backend.readActivation(out, 0, 3);
    };
  }
  return all;
}

async function run(): Promise<OpResult[]> {
  const gpu = await createWebGpuBackend();
  const cpu = createCpuBackend();
  const gpuCases = cases();
  const cpuCases = cases();
  const results: OpResult[] = [];
  for (const op of Object.keys(gpuCases)) {
    const actual = await gpuCases[op]!(gpu);
    const expected = await cpuCases[op]!(cpu);
    results.push({
      op,
      relativeError:
        typeof actual === 'number'
          ? actual === expected
            ? 0
            : Number.POSITIVE_INFINITY
          : relativeError(actual, expected as Float32Array),
    });
  }
  gpu.dispose();
  return results;
}

const target = globalThis as { minichatResult?: { results?: OpResult[]; error?: string } };
run().then(
  (results) => {
    target.minichatResult = { results };
  },
  (error: unknown) => {
    target.minichatResult = {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  },
);
