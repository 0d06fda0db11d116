/**
 * Browser-safe entry point: byte sources, safetensors reading and writing, model configs,
 * EXL2 layer decoding and quantization.
 * @packageDocumentation
 */
export { type ByteSource, blobSource, bytesSource } from './byte-source.js';
export {
  type GenerationConfig,
  type LlamaConfig,
  parseGenerationConfig,
  parseLlamaConfig,
  SUPPORTED_ARCHITECTURES,
} from './config.js';
export {
  type LlamaShape,
  type LlamaTensorShape,
  llamaConfigJson,
  llamaTensorShapes,
} from './convert/hf-config.js';
export {
  type Llama2cArray,
  type Llama2cCheckpoint,
  type Llama2cHeader,
  type Llama2cLayout,
  llama2cLayout,
  openLlama2cCheckpoint,
  parseLlama2cHeader,
  permuteRopeRows,
} from './convert/llama2c-checkpoint.js';
export {
  buildMinichatLikeTokenizer,
  MINICHAT_CHINESE_PIECES,
  MINICHAT_VOCAB_SIZE,
} from './convert/minichat-tokenizer.js';
export {
  type Exl2OutputOptions,
  layerPlan,
  type OutputFormat,
  sortTensorsForAlignment,
  type WeightSource,
  weightsToTensors,
} from './convert/model-weights.js';
export { NormalRandom } from './convert/random.js';
export { DTYPE_BYTES, type SafetensorsDtype } from './dtype.js';
export {
  ByteSourceError,
  Exl2FormatError,
  type Exl2FormatErrorDetails,
  Exl2TensorError,
  InvalidOptionError,
  Llama2cFormatError,
  ModelConfigError,
  NotFoundError,
  SafetensorsHeaderError,
  UnsupportedModelError,
} from './errors.js';
export { packGroupCodes, readCode, readScaleNibble, unpackGroupCodes } from './exl2/codes.js';
export { type DequantizeMode, dequantizeExl2, exl2MatVec, groupScales } from './exl2/dequantize.js';
export {
  type Exl2Group,
  encodeQGroups,
  groupsInKernelOrder,
  parseQGroups,
  zeroPoint,
} from './exl2/groups.js';
export {
  EXL2_GROUP_SIZES,
  type Exl2PlanEntry,
  headPlan,
  PLAN_BITS_RANGE,
  planForBits,
  planGroups,
} from './exl2/plan.js';
export { exl2TensorsToWrite, type QuantizeExl2Options, quantizeExl2 } from './exl2/quantize.js';
export {
  assembleExl2Tensors,
  type Exl2RawTensors,
  type Exl2Tensors,
  invertPermutation,
  type RawArray,
} from './exl2/tensors.js';
export { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from './half.js';
export * from './limits.js';
export {
  type DenseLinearDescriptor,
  type Exl2LinearDescriptor,
  expectedLinearShape,
  type LinearDescriptor,
  type LinearShape,
} from './model/linear.js';
export type { DenseTensor, HalfTensor, ModelReader, TokenizerFiles } from './model/model-reader.js';
export { type OpenModelOptions, openModel } from './model/open-model.js';
export type { LayerSummary, ModelSummary } from './model/summary.js';
export {
  DEFAULT_URL_FILE_NAMES,
  filesFromList,
  type ModelFiles,
  memoryFiles,
  type UrlFilesOptions,
  urlFiles,
} from './model-files.js';
export { readSafetensorsHeader, type SafetensorsHeader, type TensorInfo } from './safetensors/header.js';
export {
  bytesAsTypedArray,
  type OpenSafetensorsOptions,
  openSafetensors,
  type SafetensorsFile,
  type TypedArrayFor,
} from './safetensors/reader.js';
export {
  type ByteSink,
  type EncodedSafetensorsHeader,
  encodeSafetensorsHeader,
  type TensorData,
  type TensorToWrite,
  tensorByteLength,
  type WriteSafetensorsOptions,
  type WriteSafetensorsResult,
  writeSafetensors,
} from './safetensors/writer.js';
export { type UrlSourceOptions, urlSource } from './url-source.js';
