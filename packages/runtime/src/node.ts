/**
 * Node-only helpers: loading a model from a directory on disk.
 *
 * @packageDocumentation
 */
import { openModel } from '@minichat/exl2-format';
import { directoryFiles } from '@minichat/exl2-format/node';
import { type LoadModelOptions, loadModel, type Model } from './model/model.js';

/** Options of {@link loadModelFromDirectory}: those of `loadModel` without `source`. */
export type LoadModelFromDirectoryOptions = Omit<LoadModelOptions, 'source'>;

/**
 * Opens a model directory (config.json, safetensors weights, tokenizer files), loads it onto the backend
 * and closes the files again, so the returned model keeps no file handles open.
 *
 * @example
 * ```ts
 * const model = await loadModelFromDirectory('models/stories260K', { backend: createCpuBackend() });
 * ```
 */
export async function loadModelFromDirectory(
  path: string,
  options: LoadModelFromDirectoryOptions,
): Promise<Model> {
  const source = await openModel(
    directoryFiles(path),
    options.signal === undefined ? {} : { signal: options.signal },
  );
  try {
    return await loadModel({ ...options, source });
  } finally {
    await source.close();
  }
}
