/**
 * Node-only entry point: files on disk, model directories and file writers.
 * @packageDocumentation
 */

export { type ConvertHfOptions, convertHf } from './node/convert-hf.js';
export {
  type ConvertLlama2cOptions,
  type ConvertResult,
  convertLlama2c,
  weightsFileName,
} from './node/convert-llama2c.js';
export { directoryFiles } from './node/directory-files.js';
export { type FileByteSource, fileSource } from './node/file-source.js';
export {
  type GenerateSyntheticModelOptions,
  generateSyntheticModel,
  MINICHAT_2_3B_SHAPE,
} from './node/generate-synthetic.js';
export { writeSafetensorsFile } from './node/write-file.js';
