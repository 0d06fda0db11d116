import type { ModelReader } from '@minichat/exl2-format';
import { type Backend, loadModel, type Model, type StorageDType } from '@minichat/runtime';
import type { Tokenizer } from '@minichat/tokenizer';
import type { Logger } from '../log.js';
import { formatSeconds } from '../progress.js';

/** Values of `--kv-cache`. */
export const KV_CACHE_CHOICES = ['auto', 'f16', 'f32'] as const;

/** Options of {@link loadRuntimeModel}. */
export interface LoadRuntimeModelOptions {
  /** The opened model files. */
  reader: ModelReader;
  /** Backend to load onto. */
  backend: Backend;
  /** The model's tokenizer. */
  tokenizer: Tokenizer;
  /** KV cache positions; `undefined` uses the model's `max_position_embeddings`. */
  contextLength: number | undefined;
  /** KV cache storage; `auto` is f32 for a model stored in f32 and f16 otherwise. */
  kvCache: (typeof KV_CACHE_CHOICES)[number];
  /** Progress output. */
  log: Logger;
  /** Aborts loading. */
  signal: AbortSignal;
}

/**
 * Picks the KV cache storage for `auto`: f32 when the embeddings are stored in f32 (a model that
 * keeps full precision, such as a converted llama2.c checkpoint, so results match its reference
 * implementation), else f16, which halves the cache.
 */
export function autoKvCacheDtype(reader: ModelReader): StorageDType {
  return reader.tensorInfo('model.embed_tokens.weight').dtype === 'F32' ? 'f32' : 'f16';
}

/** Loads the model onto the backend with a progress bar over the bytes read. */
export async function loadRuntimeModel(options: LoadRuntimeModelOptions): Promise<Model> {
  const { reader, backend, log } = options;
  const kvCacheDtype = options.kvCache === 'auto' ? autoKvCacheDtype(reader) : options.kvCache;
  const started = performance.now();
  const bar = log.progress({ label: `Loading onto ${backend.name}`, total: undefined });
  let model: Model;
  try {
    model = await loadModel({
      source: reader,
      backend,
      tokenizer: options.tokenizer,
      kvCacheDtype,
      ...(options.contextLength === undefined ? {} : { contextLength: options.contextLength }),
      onProgress: (progress) => bar.update(progress.loadedBytes, progress.totalBytes),
      signal: options.signal,
    });
  } catch (error) {
    bar.clear();
    throw error;
  }
  bar.finish(`loaded in ${formatSeconds((performance.now() - started) / 1000)}`);
  log.info(
    `Model ready: ${backend.info.description}, context ${model.contextLength} tokens, KV cache ${kvCacheDtype}.`,
  );
  return model;
}
