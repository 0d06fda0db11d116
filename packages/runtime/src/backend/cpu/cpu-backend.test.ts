import { describe, expect, test } from 'vitest';
import { BackendUsageError } from '../../errors.js';
import { floatToHalf } from '../half.js';
import type { Activation, Backend, Exl2WeightData } from '../interface.js';
import { createCpuBackend } from './cpu-backend.js';

function activation(backend: Backend, rows: number, values: number[]): Activation {
  const act = backend.createActivation(rows, values.length / rows);
  backend.writeActivation(act, Float32Array.from(values));
  return act;
}

async function read(backend: Backend, act: Activation, rows = act.rows): Promise<number[]> {
  return Array.from(await backend.readActivation(act, 0, rows));
}

/** One 32-column EXL2 layer whose column 0 holds the given words; scale 1 for column 0 of every group. */
function exl2Layer(
  groups: { bits: number; rows: number; words: number[] }[],
  perm: number[],
  scaleMaxBits = 0x3c00,
): Exl2WeightData {
  const paddedOutFeatures = 32;
  const totalWords = groups.reduce((sum, group) => sum + group.words.length, 0);
  const qWeight = new Uint32Array(totalWords * paddedOutFeatures);
  const qScale = new Uint32Array(groups.length * 4);
  let rowStart = 0;
  let qRowStart = 0;
  const groupData = groups.map((group, g) => {
    group.words.forEach((word, w) => {
      qWeight[(qRowStart + w) * paddedOutFeatures] = word >>> 0;
    });
    qScale[g * 4] = 0xf; // nibble 15: scale code 16, scale = 16^2 * max / 256 = max
    const data = { bits: group.bits, rows: group.rows, rowStart, qRowStart };
    rowStart += group.rows;
    qRowStart += group.words.length;
    return data;
  });
  return {
    kind: 'exl2',
    name: 'test.layer',
    inFeatures: rowStart,
    outFeatures: 1,
    paddedOutFeatures,
    qWeight,
    qScale,
    qScaleMax: new Uint16Array(groups.length).fill(scaleMaxBits),
    groups: groupData,
    perm: Uint32Array.from(perm),
  };
}

describe('CPU backend ops', () => {
  test('embed gathers f32 and f16 rows', async () => {
    const backend = createCpuBackend();
    const f32 = backend.uploadEmbedding({
      vocabSize: 3,
      dim: 2,
      dtype: 'f32',
      data: Float32Array.of(1, 2, 3, 4, 5, 6),
    });
    const f16 = backend.uploadEmbedding({
      vocabSize: 3,
      dim: 2,
      dtype: 'f16',
      data: Uint16Array.from([1, 2, 3, 4, 5, 6], floatToHalf),
    });
    const out = backend.createActivation(2, 2);
    backend.embed(f32, Int32Array.of(2, 0), out);
    expect(await read(backend, out)).toEqual([5, 6, 1, 2]);
    backend.embed(f16, Int32Array.of(1, 1), out);
    expect(await read(backend, out)).toEqual([3, 4, 3, 4]);
  });

  test('rmsNorm matches hand computation', async () => {
    const backend = createCpuBackend();
    const x = activation(backend, 1, [1, 2, 3, 4]);
    const weight = backend.uploadVector(Float32Array.of(1, 1, 1, 2));
    backend.rmsNorm(x, weight, 1e-5, x, 1);
    // mean of squares = 30 / 4 = 7.5; 1 / sqrt(7.50001) = 0.36514813...
    const inverseRms = 1 / Math.sqrt(7.5 + 1e-5);
    const out = await read(backend, x);
    expect(out[0]).toBeCloseTo(inverseRms, 6);
    expect(out[3]).toBeCloseTo(8 * inverseRms, 6);
  });

  test('dense matmul f32 and f16', async () => {
    const backend = createCpuBackend();
    // W in [out, in] orientation: y0 = x0 + 2 x1, y1 = 3 x0 + 4 x1, y2 = 5 x0 + 6 x1.
    const values = [1, 2, 3, 4, 5, 6];
    const f32 = backend.uploadLinear({
      kind: 'dense',
      name: 'w',
      inFeatures: 2,
      outFeatures: 3,
      dtype: 'f32',
      data: Float32Array.from(values),
    });
    const f16 = backend.uploadLinear({
      kind: 'dense',
      name: 'w16',
      inFeatures: 2,
      outFeatures: 3,
      dtype: 'f16',
      data: Uint16Array.from(values, floatToHalf),
    });
    const x = activation(backend, 2, [1, -1, 2, 1]);
    const out = backend.createActivation(2, 3);
    backend.matmul(x, f32, out, 2);
    expect(await read(backend, out)).toEqual([-1, -1, -1, 4, 10, 16]);
    backend.matmul(x, f16, out, 1);
    expect(await read(backend, out, 1)).toEqual([-1, -1, -1]);
  });

  test('exl2 matmul gathers inputs through perm', async () => {
    const backend = createCpuBackend();
    // One 8-bit group, codes of stored rows 0..3 = 130, 126, 128, 255, so values 2, -2, 0, 127.
    const layer = exl2Layer(
      [{ bits: 8, rows: 4, words: [(255 << 24) | (128 << 16) | (126 << 8) | 130] }],
      [2, 0, 3, 1],
    );
    const weight = backend.uploadLinear(layer);
    const x = activation(backend, 1, [1, 10, 100, 1000]);
    const out = backend.createActivation(1, 1);
    backend.matmul(x, weight, out, 1);
    // x[2]*2 + x[0]*(-2) + x[3]*0 + x[1]*127 = 200 - 2 + 0 + 1270.
    expect(await read(backend, out)).toEqual([1468]);
  });

  test('exl2 matmul decodes 4-bit and straddling 3-bit codes', async () => {
    const backend = createCpuBackend();
    // Group 0: 8 rows at 4 bits in 0x6837618F: codes 15, 8, 1, 6, 7, 3, 8, 6 (values 7, 0, -7, -2, -1, -5, 0, -2).
    // Group 1: 32 rows at 3 bits in three words. Code j sits at stream bits 3j..3j+2:
    // j=0: 0xEF & 7 = 7; j=1: bits 3..5 of 0xEF = 5; j=10: bits 30-31 of w0 (3) + bit 0 of w1 (1) = 7;
    // j=21: bit 31 of w1 (1) + bits 0-1 of w2 (3) = 7. Values are code - 4.
    const layer = exl2Layer(
      [
        { bits: 4, rows: 8, words: [0x6837618f] },
        { bits: 3, rows: 32, words: [0xdbd0ccef, 0x80000001, 0x00000003] },
      ],
      Array.from({ length: 40 }, (_, k) => k),
    );
    const weight = backend.uploadLinear(layer);
    const expected: [number, number][] = [
      [0, 7],
      [2, -7],
      [5, -5],
      [8, 3],
      [9, 1],
      [18, 3],
      [29, 3],
    ];
    const x = backend.createActivation(expected.length, 40);
    const oneHot = new Float32Array(expected.length * 40);
    expected.forEach(([feature], r) => {
      oneHot[r * 40 + feature] = 1;
    });
    backend.writeActivation(x, oneHot);
    const out = backend.createActivation(expected.length, 1);
    backend.matmul(x, weight, out, expected.length);
    expect(await read(backend, out)).toEqual(expected.map(([, value]) => value));
  });

  test('exl2 scale follows the format example', async () => {
    const backend = createCpuBackend();
    // q_scale_max 0.007965087890625 (fp16 0x2014), nibble 12: scale = 13^2 * max / 256 = 0.00525820255...
    const layer = exl2Layer([{ bits: 4, rows: 8, words: [0x6837618f] }], [0, 1, 2, 3, 4, 5, 6, 7], 0x2014);
    layer.qScale[0] = 0xc;
    const weight = backend.uploadLinear(layer);
    const x = activation(backend, 1, [1, 0, 0, 0, 0, 0, 0, 0]);
    const out = backend.createActivation(1, 1);
    backend.matmul(x, weight, out, 1);
    expect((await read(backend, out))[0]).toBeCloseTo(0.0368074, 6);
  });

  test('rope rotates halves', async () => {
    const backend = createCpuBackend();
    const x = activation(backend, 1, [1, 2, 3, 4]);
    backend.rope(x, 1, { numHeads: 1, headDim: 4, startPosition: 1, theta: 10000 });
    // Pair (x0, x2) turns by 1 rad; pair (x1, x3) by 1 / 10000^(2/4) = 0.01 rad.
    const out = await read(backend, x);
    expect(out[0]).toBeCloseTo(Math.cos(1) - 3 * Math.sin(1), 5);
    expect(out[2]).toBeCloseTo(Math.sin(1) + 3 * Math.cos(1), 5);
    expect(out[1]).toBeCloseTo(2 * Math.cos(0.01) - 4 * Math.sin(0.01), 5);
    expect(out[3]).toBeCloseTo(2 * Math.sin(0.01) + 4 * Math.cos(0.01), 5);
  });

  test('attention is causal and shares kv heads', async () => {
    for (const dtype of ['f32', 'f16'] as const) {
      const backend = createCpuBackend();
      const cache = backend.createKvCache({
        numLayers: 1,
        maxSequenceLength: 4,
        numKvHeads: 1,
        headDim: 2,
        dtype,
      });
      // Two query heads, one kv head. Keys [1, 0] then [0, 1]; values [1, 2] then [3, 4].
      const q = activation(backend, 2, [2, 0, 0, 0, 0, 2, 0, 0]);
      const k = activation(backend, 2, [1, 0, 0, 1]);
      const v = activation(backend, 2, [1, 2, 3, 4]);
      const out = backend.createActivation(2, 4);
      backend.attention(
        q,
        k,
        v,
        cache,
        2,
        { layer: 0, startPosition: 0, numHeads: 2, numKvHeads: 1, headDim: 2 },
        out,
      );
      const result = await read(backend, out);
      // Row 0 sees only position 0: both heads return value 0.
      expect(result.slice(0, 4)).toEqual([1, 2, 1, 2]);
      // Row 1, head 0: scores [0, 2/sqrt2]; head 1: scores [0, 0] -> equal weights.
      const p = 1 / (1 + Math.exp(Math.SQRT2));
      expect(result[4]).toBeCloseTo(p * 1 + (1 - p) * 3, 5);
      expect(result[5]).toBeCloseTo(p * 2 + (1 - p) * 4, 5);
      expect(result[6]).toBeCloseTo(2, 5);
      expect(result[7]).toBeCloseTo(3, 5);
    }
  });

  test('attention decode step reads the cache', async () => {
    const backend = createCpuBackend();
    const cache = backend.createKvCache({
      numLayers: 2,
      maxSequenceLength: 4,
      numKvHeads: 1,
      headDim: 2,
      dtype: 'f32',
    });
    const params = { layer: 1, startPosition: 0, numHeads: 1, numKvHeads: 1, headDim: 2 };
    const out = backend.createActivation(1, 2);
    backend.attention(
      activation(backend, 1, [0, 0]),
      activation(backend, 1, [1, 0]),
      activation(backend, 1, [1, 1]),
      cache,
      1,
      params,
      out,
    );
    const q = activation(backend, 1, [0, 0]);
    backend.attention(
      q,
      activation(backend, 1, [0, 1]),
      activation(backend, 1, [3, 5]),
      cache,
      1,
      { ...params, startPosition: 1 },
      out,
    );
    // Zero query: uniform weights over the two cached positions.
    expect(await read(backend, out)).toEqual([2, 3]);
  });

  test('swiglu, add and copyRows', async () => {
    const backend = createCpuBackend();
    const gate = activation(backend, 2, [0, 1, -1, 2]);
    const up = activation(backend, 2, [2, 3, 1, 1]);
    const out = backend.createActivation(2, 2);
    backend.swiglu(gate, up, out, 2);
    const result = await read(backend, out);
    expect(result[0]).toBe(0);
    expect(result[1]).toBeCloseTo(3 / (1 + Math.exp(-1)), 6);
    expect(result[2]).toBeCloseTo(-1 / (1 + Math.exp(1)), 6);
    backend.add(gate, up, gate, 2);
    expect(await read(backend, gate)).toEqual([2, 4, 0, 3]);
    backend.copyRows(gate, 1, up, 0, 1);
    expect(await read(backend, up)).toEqual([0, 3, 1, 1]);
  });

  test('sample follows the defined draw', async () => {
    const backend = createCpuBackend();
    const logits = activation(backend, 2, [1, 3, 3, 0, ...[0.1, 0.2, 0.3, 0.4].map(Math.log)]);
    expect(await backend.sample(logits, 0, { temperature: 0, topK: 0, topP: 1 }, 0.5)).toBe(1);
    // Row 1 probabilities 0.1, 0.2, 0.3, 0.4: order 3, 2, 1, 0.
    const all = { temperature: 1, topK: 0, topP: 1 };
    expect(await backend.sample(logits, 1, all, 0)).toBe(3);
    expect(await backend.sample(logits, 1, all, 0.45)).toBe(2);
    expect(await backend.sample(logits, 1, all, 0.95)).toBe(0);
    // topP 0.65 keeps {3, 2} (cumulative 0.7); threshold 0.6 * 0.7 = 0.42 lands on token 2.
    expect(await backend.sample(logits, 1, { temperature: 1, topK: 0, topP: 0.65 }, 0.5)).toBe(3);
    expect(await backend.sample(logits, 1, { temperature: 1, topK: 0, topP: 0.65 }, 0.6)).toBe(2);
    // topK 1 keeps only the most likely token.
    expect(await backend.sample(logits, 1, { temperature: 1, topK: 1, topP: 1 }, 0.99)).toBe(3);
  });
});

describe('CPU backend argument checks', () => {
  test('matmul rejects a width mismatch', () => {
    const backend = createCpuBackend();
    const weight = backend.uploadLinear({
      kind: 'dense',
      name: 'w',
      inFeatures: 2,
      outFeatures: 1,
      dtype: 'f32',
      data: new Float32Array(2),
    });
    const x = backend.createActivation(1, 3);
    const out = backend.createActivation(1, 1);
    expect(() => backend.matmul(x, weight, out, 1)).toThrow(BackendUsageError);
    expect(() => backend.matmul(x, weight, out, 1)).toThrow(/Invalid x\.cols 3 in matmul\(\): expected 2/);
  });

  test('rejects foreign and released handles', () => {
    const backend = createCpuBackend();
    const other = createCpuBackend();
    const x = other.createActivation(1, 2);
    const weight = backend.uploadVector(Float32Array.of(1, 1));
    expect(() => backend.rmsNorm(x, weight, 1e-5, x, 1)).toThrow(/created by this CPU backend/);
    const own = backend.createActivation(1, 2);
    backend.release(own);
    expect(() => backend.rmsNorm(own, weight, 1e-5, own, 1)).toThrow(/was released/);
  });

  test('uploadLinear rejects a broken group map', () => {
    const backend = createCpuBackend();
    const layer = exl2Layer([{ bits: 7, rows: 4, words: [0] }], [0, 1, 2, 3]);
    expect(() => backend.uploadLinear(layer)).toThrow(/groups\[0\]\.bits 7/);
    const duplicate = exl2Layer([{ bits: 8, rows: 4, words: [0] }], [0, 1, 1, 3]);
    expect(() => backend.uploadLinear(duplicate)).toThrow(/perm\[2\] 1.*permutation/);
  });

  test('maxAllocationBytes limits allocations', () => {
    const backend = createCpuBackend({ maxAllocationBytes: 64 });
    expect(() => backend.createActivation(4, 4)).not.toThrow();
    expect(() => backend.createActivation(4, 5, 'hidden')).toThrow(/size of hidden 80/);
  });
});
