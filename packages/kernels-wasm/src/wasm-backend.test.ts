import { BackendUsageError } from '@minichat/runtime';
import { createRandom, planExl2Groups, randomExl2Weight } from '@minichat/runtime/conformance';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmBackendOptionError, WasmMemoryLimitError } from './errors.js';
import { createWasmBackend, type WasmBackend } from './node.js';

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 2 });
});
afterAll(() => backend.dispose());

async function run(rows: number, cols: number, values: number[]) {
  const activation = backend.createActivation(rows, cols);
  backend.writeActivation(activation, Float32Array.from(values));
  return activation;
}

describe('elementwise ops', () => {
  test('rmsNorm of [3, 4]', async () => {
    const x = await run(1, 2, [3, 4]);
    const weight = backend.uploadVector(Float32Array.of(1, 2));
    backend.rmsNorm(x, weight, 1e-5, x, 1);
    // mean square 12.5, so out = [3, 4 * 2] / sqrt(12.5 + 1e-5).
    const root = Math.sqrt(12.5 + 1e-5);
    const output = await backend.readActivation(x, 0, 1);
    expect(output[0]).toBeCloseTo(3 / root, 6);
    expect(output[1]).toBeCloseTo(8 / root, 6);
  });

  test('swiglu of known values', async () => {
    const gate = await run(1, 3, [1, 0, -2]);
    const up = await run(1, 3, [2, 5, 1]);
    backend.swiglu(gate, up, gate, 1);
    const output = await backend.readActivation(gate, 0, 1);
    // silu(1) * 2 = 2 / (1 + e^-1); silu(0) = 0; silu(-2) = -2 / (1 + e^2).
    expect(output[0]).toBeCloseTo(1.4621171572600098, 6);
    expect(output[1]).toBe(0);
    expect(output[2]).toBeCloseTo(-0.2384058440442351, 6);
  });

  test('add aliases its output', async () => {
    const a = await run(2, 3, [1, 2, 3, 4, 5, 6]);
    const b = await run(2, 3, [10, 20, 30, 40, 50, 60]);
    backend.add(a, b, b, 2);
    expect(Array.from(await backend.readActivation(b, 0, 2))).toEqual([11, 22, 33, 44, 55, 66]);
  });

  test('embed widens fp16 rows', async () => {
    // fp16 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF.
    const table = backend.uploadEmbedding({
      vocabSize: 2,
      dim: 2,
      dtype: 'f16',
      data: Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff),
    });
    const out = backend.createActivation(3, 2);
    backend.embed(table, Int32Array.of(1, 0, 1), out);
    expect(Array.from(await backend.readActivation(out, 0, 3))).toEqual([0.5, 65504, 1, -2, 0.5, 65504]);
  });

  test('rope rotates a head by its position', async () => {
    // headDim 2, theta 10000: frequency 1, so position 1 rotates (1, 0) by 1 radian.
    const x = await run(1, 2, [1, 0]);
    backend.rope(x, 1, { numHeads: 1, headDim: 2, startPosition: 1, theta: 10000 });
    const output = await backend.readActivation(x, 0, 1);
    expect(output[0]).toBeCloseTo(Math.cos(1), 6);
    expect(output[1]).toBeCloseTo(Math.sin(1), 6);
  });

  test('rope recomputes angles per parameter', async () => {
    // The backend keeps the last call's angles, so each change below must compute new ones.
    const rotate = async (position: number, headDim: number, theta: number, rows = 1) => {
      const x = await run(
        rows,
        headDim,
        Array.from({ length: rows * headDim }, (_, i) => (i % headDim === 0 ? 1 : 0)),
      );
      backend.rope(x, rows, { numHeads: 1, headDim, startPosition: position, theta });
      return Array.from(await backend.readActivation(x, 0, rows));
    };
    // headDim 2: frequency 1 for any theta, so the first feature becomes cos(position).
    expect((await rotate(1, 2, 10000))[0]).toBeCloseTo(Math.cos(1), 6);
    expect((await rotate(2, 2, 10000))[0]).toBeCloseTo(Math.cos(2), 6);
    // Two rows from position 2: the second row is at position 3.
    const rows = await rotate(2, 2, 10000, 2);
    expect(rows[0]).toBeCloseTo(Math.cos(2), 6);
    expect(rows[2]).toBeCloseTo(Math.cos(3), 6);
    // headDim 4, theta 100: frequencies 1 and 1/10. Feature 0 pairs with feature 2.
    expect((await rotate(2, 4, 100))[0]).toBeCloseTo(Math.cos(2), 6);
    const slow = await run(1, 4, [0, 1, 0, 0]);
    backend.rope(slow, 1, { numHeads: 1, headDim: 4, startPosition: 2, theta: 100 });
    expect((await backend.readActivation(slow, 0, 1))[1]).toBeCloseTo(Math.cos(0.2), 6);
  });

  test('copyRows moves rows between activations', async () => {
    const source = await run(3, 2, [1, 2, 3, 4, 5, 6]);
    const target = backend.createActivation(2, 2);
    backend.copyRows(source, 1, target, 0, 2);
    expect(Array.from(await backend.readActivation(target, 0, 2))).toEqual([3, 4, 5, 6]);
  });
});

describe('dense matmul', () => {
  test.each(['f32', 'f16'] as const)('%s weights of a 3 x 2 layer', async (dtype) => {
    // W = [[1, 2], [3, 4], [5, 6]] in [out][in] order; fp16 1..6 = 0x3C00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600.
    const data =
      dtype === 'f32'
        ? Float32Array.of(1, 2, 3, 4, 5, 6)
        : Uint16Array.of(0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600);
    const weight = backend.uploadLinear({
      kind: 'dense',
      name: 'w',
      inFeatures: 2,
      outFeatures: 3,
      dtype,
      data,
    });
    const x = await run(2, 2, [1, -1, 0.5, 2]);
    const y = backend.createActivation(2, 3);
    backend.matmul(x, weight, y, 2);
    // Row 0: [1 - 2, 3 - 4, 5 - 6]; row 1: [0.5 + 4, 1.5 + 8, 2.5 + 12].
    expect(Array.from(await backend.readActivation(y, 0, 2))).toEqual([-1, -1, -1, 4.5, 9.5, 14.5]);
  });
});

/**
 * Checks that a one-row product of each row of `values` (`rows` x `inFeatures`) gives the same floats as
 * that row of a batch product of all of them.
 */
async function expectRowsEqualBatch(
  owner: WasmBackend,
  weight: ReturnType<WasmBackend['uploadLinear']>,
  values: Float32Array,
  rows: number,
): Promise<void> {
  const { inFeatures, outFeatures } = weight;
  const batch = owner.createActivation(rows, inFeatures);
  owner.writeActivation(batch, values);
  const batchOut = owner.createActivation(rows, outFeatures);
  owner.matmul(batch, weight, batchOut, rows);
  const batched = await owner.readActivation(batchOut, 0, rows);

  const single = owner.createActivation(1, inFeatures);
  const singleOut = owner.createActivation(1, outFeatures);
  for (let row = 0; row < rows; row++) {
    owner.writeActivation(single, values.subarray(row * inFeatures, (row + 1) * inFeatures));
    owner.matmul(single, weight, singleOut, 1);
    const alone = await owner.readActivation(singleOut, 0, 1);
    expect(Array.from(alone)).toEqual(
      Array.from(batched.subarray(row * outFeatures, (row + 1) * outFeatures)),
    );
  }
}

describe('EXL2 matmul', () => {
  // Each row is quantized on its own and its integer sums are exact. So a batch of rows, computed four rows
  // against two adjacent tiles at a time, must give every row the same floats as that row alone, computed
  // against two distant tiles at a time. Seven rows end in a quad of three, and 11 tiles leave one unpaired.
  test.each([2, 3, 4, 5, 6, 8])('%i-bit batch rows equal single rows', async (bits) => {
    const random = createRandom(bits);
    const inFeatures = 512;
    const groups = planExl2Groups(inFeatures, [
      { bits, proportion: 0.5, groupSize: 128 },
      { bits: bits === 4 ? 3 : 4, proportion: 0.5, groupSize: 32 },
    ]);
    const weight = backend.uploadLinear(
      randomExl2Weight(random, { name: 'w', inFeatures, outFeatures: 44, groups, bias: true }),
    );
    const values = Float32Array.from({ length: 7 * inFeatures }, () => random.nextNormal());
    await expectRowsEqualBatch(backend, weight, values, 7);
  });
});

describe('decode settings', () => {
  // Read-ahead and the number of streams change which lines are in cache and the order of tiles, not
  // what the product computes: with each setting, each row must equal that row of a batch product
  // (which uses neither). 66 tiles give each of two threads ranges of two and four tiles and more, with
  // tiles left over.
  const cases = [true, false].flatMap((relaxedSimd) =>
    [true, false].flatMap((readAhead) =>
      ([2, 4] as const).map((streams) => [relaxedSimd, readAhead, streams] as const),
    ),
  );
  test.each(
    cases,
  )('relaxedSimd %s, readAhead %s, %i streams: rows equal batch rows', async (relaxedSimd, readAhead, streams) => {
    const own = await createWasmBackend({ threads: 2, relaxedSimd, readAhead, decodeStreams: streams });
    try {
      expect(own.decodeSettings).toEqual({ readAheadBytes: readAhead ? 2048 : 0, streams });
      const random = createRandom(relaxedSimd ? 11 : 12);
      const inFeatures = 384;
      const groups = planExl2Groups(inFeatures, [
        { bits: 4, proportion: 2 / 3, groupSize: 128 },
        { bits: 3, proportion: 1 / 3, groupSize: 32 },
      ]);
      const weight = own.uploadLinear(
        randomExl2Weight(random, { name: 'w', inFeatures, outFeatures: 264, groups, bias: false }),
      );
      const values = Float32Array.from({ length: 3 * inFeatures }, () => random.nextNormal());
      await expectRowsEqualBatch(own, weight, values, 3);
    } finally {
      own.dispose();
    }
  });

  test("'auto' has not chosen after a few small products", () => {
    expect(backend.decodeSettings).toBeUndefined();
  });

  test('exact activations report no settings', async () => {
    const exact = await createWasmBackend({
      threads: 2,
      exactActivations: true,
      readAhead: true,
      decodeStreams: 4,
    });
    try {
      expect(exact.decodeSettings).toBeUndefined();
    } finally {
      exact.dispose();
    }
  });
});

describe('attention', () => {
  test.each(['f32', 'f16'] as const)('two positions with a %s cache', async (dtype) => {
    const cache = backend.createKvCache({
      numLayers: 2,
      maxSequenceLength: 4,
      numKvHeads: 1,
      headDim: 2,
      dtype,
    });
    const params = { layer: 1, startPosition: 0, numHeads: 2, numKvHeads: 1, headDim: 2 };
    const q = await run(2, 4, [1, 0, 0, 1, 1, 0, 0, 1]);
    const k = await run(2, 2, [0, 0, 1, 0]);
    const v = await run(2, 2, [1, 0, 0, 1]);
    const out = backend.createActivation(2, 4);
    backend.attention(q, k, v, cache, 2, params, out);
    const output = await backend.readActivation(out, 0, 2);
    // Row 0 attends to position 0 only, so out = v0 for both heads.
    expect(Array.from(output.subarray(0, 4))).toEqual([1, 0, 1, 0]);
    // Row 1, head 0: scores (0, 1/sqrt 2), weights 1/(1 + e^0.7071) and e^0.7071/(1 + e^0.7071).
    const late = Math.exp(Math.SQRT1_2) / (1 + Math.exp(Math.SQRT1_2));
    expect(output[4]).toBeCloseTo(1 - late, 6);
    expect(output[5]).toBeCloseTo(late, 6);
    // Row 1, head 1: q = (0, 1) scores both keys 0, so the weights are equal.
    expect(output[6]).toBeCloseTo(0.5, 6);
    expect(output[7]).toBeCloseTo(0.5, 6);
  });

  test('an fp16 cache rounds values to nearest even', async () => {
    // With one position the softmax weight is exactly 1, so the output is the cached value itself.
    const inputs = [
      0,
      -0,
      1,
      -2.5,
      65504,
      65519.99,
      65520,
      -1e6,
      Infinity,
      -Infinity,
      NaN,
      1 + 2 ** -11, // halfway between 1 and the next fp16 value: ties to even, 1
      1 + 3 * 2 ** -11, // halfway, ties up to the even 1 + 2^-9
      1 + 2 ** -11 + 2 ** -20, // just above halfway: rounds up
      2 ** -14, // smallest normal
      2 ** -14 - 2 ** -25, // rounds up to the smallest normal
      2 ** -24, // smallest subnormal
      2 ** -25, // halfway to the smallest subnormal: ties to even, 0
      3 * 2 ** -25, // halfway between the first two subnormals: ties to even, 2^-23
      -1.2345e-6,
      0.1,
      Math.PI,
      1234.5678,
      2 ** -30,
    ];
    // The store converts 8 values at a time and the weighted sum 32 (then one by one): 40 takes every path.
    const width = 40;

    const values = Float32Array.from({ length: width }, (_, i) => inputs[i] ?? i / 7);
    const cache = backend.createKvCache({
      numLayers: 1,
      maxSequenceLength: 1,
      numKvHeads: 1,
      headDim: width,
      dtype: 'f16',
    });
    const params = { layer: 0, startPosition: 0, numHeads: 1, numKvHeads: 1, headDim: width };

    const q = await run(1, width, new Array(width).fill(0));
    const v = await run(1, width, Array.from(values));
    const out = backend.createActivation(1, width);
    backend.attention(q, q, v, cache, 1, params, out);
    const output = await backend.readActivation(out, 0, 1);

    // The kernel adds each weighted value to 0, which turns -0 into +0.
    expect(Array.from(output)).toEqual(Array.from(values, (value) => 0 + roundToHalf(value)));
  });

  test('finite fp16 cache reads back exactly', async () => {
    // Such a layer takes the shorter conversion. The values cover signs, subnormals, ties and the largest
    // finite fp16 value.
    const finite = [
      0,
      -0,
      1,
      -2.5,
      65504,
      65519.99,
      -1e-7,
      2 ** -14,
      2 ** -24,
      3 * 2 ** -25,
      1 + 2 ** -11,
      0.1,
      -Math.PI,
    ];
    const width = 40;
    const values = Float32Array.from({ length: width }, (_, i) => finite[i] ?? (i - 20) / 7);
    const cache = backend.createKvCache({
      numLayers: 2,
      maxSequenceLength: 1,
      numKvHeads: 1,
      headDim: width,
      dtype: 'f16',
    });
    const q = await run(1, width, new Array(width).fill(0));
    const v = await run(1, width, Array.from(values));
    const out = backend.createActivation(1, width);
    backend.attention(
      q,
      q,
      v,
      cache,
      1,
      { layer: 1, startPosition: 0, numHeads: 1, numKvHeads: 1, headDim: width },
      out,
    );
    expect(Array.from(await backend.readActivation(out, 0, 1))).toEqual(
      Array.from(values, (value) => 0 + roundToHalf(value)),
    );
  });

  test('infinity keeps its layer exact', async () => {
    // Position 0 is finite, position 1 has infinity in column 3. Equal scores weight both by 1/2. 32
    // columns: the weighted sum converts 32 at a time and narrower heads one by one, exactly.
    const width = 32;
    const cache = backend.createKvCache({
      numLayers: 1,
      maxSequenceLength: 2,
      numKvHeads: 1,
      headDim: width,
      dtype: 'f16',
    });
    const params = { layer: 0, numHeads: 1, numKvHeads: 1, headDim: width };
    const q = await run(1, width, new Array(width).fill(0));
    const out = backend.createActivation(1, width);
    backend.attention(
      q,
      q,
      await run(1, width, new Array(width).fill(1)),
      cache,
      1,
      { ...params, startPosition: 0 },
      out,
    );
    const second = Array.from({ length: width }, (_, i) => (i === 3 ? Infinity : 3));
    backend.attention(q, q, await run(1, width, second), cache, 1, { ...params, startPosition: 1 }, out);
    const output = Array.from(await backend.readActivation(out, 0, 1));
    expect(output[3]).toBe(Infinity);
    expect(output.filter((_, i) => i !== 3)).toEqual(new Array(width - 1).fill(2));
  });
});

/** Returns the fp16 value nearest to `value` (ties to even), computed in double precision without bit tricks. */
function roundToHalf(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(Math.fround(value));
  // The fp16 grid step at this magnitude: 2^-24 below 2^-14, else 2^(exponent - 10).
  const exponent = Math.max(Math.floor(Math.log2(magnitude)), -14);
  const step = 2 ** (exponent - 10);
  const units = magnitude / step;
  const floor = Math.floor(units);
  const fraction = units - floor;
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  const result = rounded * step;
  return Math.sign(value) * (result > 65504 ? Infinity : result);
}

describe('sample', () => {
  test('greedy picks the lowest id of tied maxima', async () => {
    const logits = await run(1, 4, [0.5, 2, 2, -1]);
    expect(await backend.sample(logits, 0, { temperature: 0, topK: 0, topP: 1 }, 0.5)).toBe(1);
  });

  test('top-k and uniform select by cumulative probability', async () => {
    // Probabilities of logits ln(1), ln(2), ln(3), ln(4) are 0.1, 0.2, 0.3, 0.4; top-2 keeps ids 3 and 2
    // with kept mass 0.7. uniform 0.5 gives threshold 0.35: id 3 (0.4) exceeds it.
    const logits = await run(1, 4, [0, Math.log(2), Math.log(3), Math.log(4)]);
    const params = { temperature: 1, topK: 2, topP: 1 };
    expect(await backend.sample(logits, 0, params, 0.5)).toBe(3);
    // uniform 0.9 gives threshold 0.63: cumulative 0.4 then 0.7, so id 2.
    expect(await backend.sample(logits, 0, params, 0.9)).toBe(2);
  });
});

describe('errors', () => {
  test('invalid threads option', async () => {
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(WasmBackendOptionError);
    await expect(createWasmBackend({ threads: 1.5 })).rejects.toThrow(/Invalid option threads = 1.5/);
  });

  test('invalid readAhead option', async () => {
    const option = 'always' as unknown as boolean;
    await expect(createWasmBackend({ readAhead: option })).rejects.toThrow(
      /Invalid option readAhead = "always": expected true, false or .auto./,
    );
  });

  test('invalid decodeStreams option', async () => {
    const option = 3 as unknown as 2;
    await expect(createWasmBackend({ decodeStreams: option })).rejects.toThrow(
      /Invalid option decodeStreams = 3: expected 2, 4 or .auto./,
    );
    const text = '2' as unknown as 2;
    await expect(createWasmBackend({ decodeStreams: text })).rejects.toThrow(/decodeStreams = "2"/);
    const empty = null as unknown as 2;
    await expect(createWasmBackend({ decodeStreams: empty })).rejects.toThrow(/decodeStreams = null/);
  });

  test('matmul with mismatched columns', async () => {
    const weight = backend.uploadLinear({
      kind: 'dense',
      name: 'w',
      inFeatures: 2,
      outFeatures: 2,
      dtype: 'f32',
      data: new Float32Array(4),
    });
    const x = backend.createActivation(1, 3);
    const y = backend.createActivation(1, 2);
    expect(() => backend.matmul(x, weight, y, 1)).toThrow(BackendUsageError);
    expect(() => backend.matmul(x, weight, y, 1)).toThrow(/Invalid x.cols 3 in matmul\(\)/);
  });

  test('released handle', () => {
    const x = backend.createActivation(1, 4);
    backend.release(x);
    expect(() => backend.writeActivation(x, new Float32Array(4))).toThrow(/released/);
    expect(() => backend.release(x)).not.toThrow();
  });

  test('handle of another backend', async () => {
    const other = await createWasmBackend({ threads: 1 });
    try {
      const foreign = other.createActivation(1, 4);
      expect(() => backend.release(foreign)).toThrow(BackendUsageError);
      expect(() => backend.add(foreign, foreign, foreign, 1)).toThrow(/created by this WebAssembly backend/);
    } finally {
      other.dispose();
    }
  });

  test('EXL2 group with an invalid bit width', () => {
    const upload = () =>
      backend.uploadLinear({
        kind: 'exl2',
        name: 'bad',
        inFeatures: 32,
        outFeatures: 32,
        paddedOutFeatures: 32,
        qWeight: new Uint32Array(7 * 32),
        qScale: new Uint32Array(4),
        qScaleMax: new Uint16Array(1),
        groups: [{ bits: 7, rows: 32, rowStart: 0, qRowStart: 0 }],
        perm: Uint32Array.from({ length: 32 }, (_, k) => k),
      });
    expect(upload).toThrow(/Invalid bad.groups\[0\].bits 7/);
  });

  test('cache larger than wasm32 memory', () => {
    // 32 layers * 65536 positions * 1024 features * 4 bytes = 8 GiB per keys array.
    const create = () =>
      backend.createKvCache({
        numLayers: 32,
        maxSequenceLength: 65536,
        numKvHeads: 8,
        headDim: 128,
        dtype: 'f32',
      });
    expect(create).toThrow(WasmMemoryLimitError);
    expect(create).toThrow(/Use a shorter context, an f16 KV cache/);
  });

  test('ops after dispose', async () => {
    const disposable = await createWasmBackend({ threads: 2 });
    disposable.dispose();
    expect(() => disposable.createActivation(1, 1)).toThrow(/disposed/);
  });
});
