// Op cases that run the same way on any backend: the browser test computes each one on the CPU
// reference in Node and on the gpu.js backend in the page, then compares the outputs.
import type {
  AttentionParams,
  Backend,
  DeviceSamplingParams,
  EmbeddingData,
  LinearWeightData,
  RopeParams,
} from '@minichat/runtime';

/** One op call with its inputs. Typed arrays survive the trip to the page through {@link encodeCase}. */
export type OpCase =
  | { kind: 'matmul'; weight: LinearWeightData; rows: number; x: Float32Array }
  | { kind: 'embed'; table: EmbeddingData; tokens: Int32Array }
  | { kind: 'rmsNorm'; rows: number; cols: number; x: Float32Array; weight: Float32Array; eps: number }
  | { kind: 'rope'; rows: number; cols: number; x: Float32Array; params: RopeParams }
  | { kind: 'swigluAdd'; rows: number; cols: number; gate: Float32Array; up: Float32Array }
  | {
      kind: 'attention';
      dtype: 'f32' | 'f16';
      maxSequenceLength: number;
      params: Omit<AttentionParams, 'startPosition'>;
      calls: { rows: number; q: Float32Array; k: Float32Array; v: Float32Array }[];
    }
  | { kind: 'sample'; logits: Float32Array; params: DeviceSamplingParams; uniform: number };

/** Runs one case on `backend` and returns its output rows, or the sampled token id. */
export async function runCase(backend: Backend, opCase: OpCase): Promise<Float32Array | number> {
  const activation = (rows: number, cols: number, data?: Float32Array) => {
    const created = backend.createActivation(rows, cols);
    if (data !== undefined) backend.writeActivation(created, data);
    return created;
  };
  switch (opCase.kind) {
    case 'matmul': {
      const { weight, rows, x } = opCase;
      const out = activation(rows, weight.outFeatures);
      backend.matmul(activation(rows, weight.inFeatures, x), backend.uploadLinear(weight), out, rows);
      return backend.readActivation(out, 0, rows);
    }
    case 'embed': {
      const out = activation(opCase.tokens.length, opCase.table.dim);
      backend.embed(backend.uploadEmbedding(opCase.table), opCase.tokens, out);
      return backend.readActivation(out, 0, opCase.tokens.length);
    }
    case 'rmsNorm': {
      const x = activation(opCase.rows, opCase.cols, opCase.x);
      backend.rmsNorm(x, backend.uploadVector(opCase.weight), opCase.eps, x, opCase.rows);
      return backend.readActivation(x, 0, opCase.rows);
    }
    case 'rope': {
      const x = activation(opCase.rows, opCase.cols, opCase.x);
      backend.rope(x, opCase.rows, opCase.params);
      return backend.readActivation(x, 0, opCase.rows);
    }
    case 'swigluAdd': {
      const gate = activation(opCase.rows, opCase.cols, opCase.gate);
      const up = activation(opCase.rows, opCase.cols, opCase.up);
      backend.swiglu(gate, up, gate, opCase.rows);
      backend.add(gate, up, up, opCase.rows);
      return backend.readActivation(up, 0, opCase.rows);
    }
    case 'attention': {
      const { numHeads, numKvHeads, headDim, layer } = opCase.params;
      const cache = backend.createKvCache({
        numLayers: layer + 1,
        maxSequenceLength: opCase.maxSequenceLength,
        numKvHeads,
        headDim,
        dtype: opCase.dtype,
      });
      const outputs: number[] = [];
      let startPosition = 0;
      for (const { rows, q, k, v } of opCase.calls) {
        const out = activation(rows, numHeads * headDim);
        backend.attention(
          activation(rows, numHeads * headDim, q),
          activation(rows, numKvHeads * headDim, k),
          activation(rows, numKvHeads * headDim, v),
          cache,
          rows,
          { ...opCase.params, startPosition },
          out,
        );
        outputs.push(...(await backend.readActivation(out, 0, rows)));
        startPosition += rows;
      }
      return Float32Array.from(outputs);
    }
    case 'sample':
      return backend.sample(
        activation(1, opCase.logits.length, opCase.logits),
        0,
        opCase.params,
        opCase.uniform,
      );
  }
}

const TYPED_ARRAYS = { Float32Array, Int32Array, Uint32Array, Uint16Array } as const;

/** Turns typed arrays into tagged plain arrays, so a case passes through JSON. */
export function encodeCase(value: unknown): unknown {
  for (const [type, arrayType] of Object.entries(TYPED_ARRAYS)) {
    if (value instanceof arrayType) return { typedArray: type, values: Array.from(value) };
  }
  if (Array.isArray(value)) return value.map(encodeCase);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, encodeCase(inner)]));
  }
  return value;
}

/** Reverses {@link encodeCase}. */
export function decodeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeCase);
  if (typeof value === 'object' && value !== null) {
    const tagged = value as { typedArray?: keyof typeof TYPED_ARRAYS; values?: number[] };
    if (tagged.typedArray !== undefined) return TYPED_ARRAYS[tagged.typedArray].from(tagged.values ?? []);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, decodeCase(inner)]));
  }
  return value;
}
