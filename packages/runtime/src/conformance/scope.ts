import type {
  Activation,
  Backend,
  BackendResource,
  EmbeddingData,
  EmbeddingTable,
  KvCache,
  KvCacheSpec,
  LinearWeight,
  LinearWeightData,
  WeightVector,
} from '../backend/interface.js';

/** Creates resources on one backend and releases them all at the end of {@link withScope}. */
export interface Scope {
  readonly backend: Backend;
  /** Allocates an activation and fills it with `data` when given. */
  activation(rows: number, cols: number, data?: Float32Array): Activation;
  vector(data: Float32Array): WeightVector;
  embedding(data: EmbeddingData): EmbeddingTable;
  linear(data: LinearWeightData): LinearWeight;
  kvCache(spec: KvCacheSpec): KvCache;
  /** Reads the first `rows` rows (default all) of an activation. */
  read(activation: Activation, rows?: number): Promise<Float32Array>;
}

/** Runs `body` with a fresh {@link Scope}, then releases every resource it created. */
export async function withScope<T>(backend: Backend, body: (scope: Scope) => Promise<T>): Promise<T> {
  const created: BackendResource[] = [];
  const keep = <R extends BackendResource>(resource: R): R => {
    created.push(resource);
    return resource;
  };
  const scope: Scope = {
    backend,
    activation(rows, cols, data) {
      const activation = keep(backend.createActivation(rows, cols));
      if (data !== undefined) backend.writeActivation(activation, data);
      return activation;
    },
    vector: (data) => keep(backend.uploadVector(data)),
    embedding: (data) => keep(backend.uploadEmbedding(data)),
    linear: (data) => keep(backend.uploadLinear(data)),
    kvCache: (spec) => keep(backend.createKvCache(spec)),
    read: (activation, rows = activation.rows) => backend.readActivation(activation, 0, rows),
  };
  try {
    return await body(scope);
  } finally {
    for (const resource of created.reverse()) backend.release(resource);
  }
}
