import type { GenerationConfig, LlamaConfig } from '../config.js';
import type { Exl2Tensors } from '../exl2/tensors.js';
import type { TensorInfo } from '../safetensors/header.js';
import type { LinearDescriptor } from './linear.js';
import type { ModelSummary } from './summary.js';

/** Tokenizer files found beside the model; each is undefined when absent. */
export interface TokenizerFiles {
  /** `tokenizer.model` (SentencePiece protobuf). */
  tokenizerModel?: Uint8Array;
  /** `tokenizer.json` (HF tokenizers). */
  tokenizerJson?: Uint8Array;
  /** `tokenizer_config.json` text. */
  tokenizerConfig?: string;
  /** `special_tokens_map.json` text. */
  specialTokensMap?: string;
  /** `tokenizer.bin` in llama2.c format. */
  llama2cTokenizer?: Uint8Array;
}

/** A dense tensor converted to fp32. */
export interface DenseTensor {
  /** Tensor name. */
  name: string;
  /** Shape as stored. */
  shape: number[];
  /** Storage dtype before conversion. */
  dtype: 'F32' | 'F16' | 'BF16';
  /** Values in fp32. */
  data: Float32Array;
}

/** A dense tensor as fp16 bits (converted from F32/BF16 when stored that way). */
export interface HalfTensor {
  /** Tensor name. */
  name: string;
  /** Shape as stored. */
  shape: number[];
  /** Storage dtype before conversion. */
  dtype: 'F32' | 'F16' | 'BF16';
  /** fp16 bits. */
  data: Uint16Array;
}

/** An opened model directory: validated config, tensor index and per-layer reads. */
export interface ModelReader {
  /** Validated `config.json`. */
  readonly config: LlamaConfig;
  /** Validated `generation_config.json`, when present. */
  readonly generationConfig: GenerationConfig | undefined;
  /** `exl2` when any layer has a `q_weight` tensor. */
  readonly format: 'exl2' | 'dense';
  /** Non-fatal findings, such as a stale safetensors index or groups out of kernel order. */
  readonly warnings: readonly string[];
  /** Names of all tensors. */
  tensorNames(): string[];
  /** Whether a tensor exists. */
  hasTensor(name: string): boolean;
  /** Header entry of one tensor. */
  tensorInfo(name: string): TensorInfo;
  /** Reads an F32/F16/BF16 tensor converted to fp32. */
  readDense(name: string, signal?: AbortSignal): Promise<DenseTensor>;
  /** Reads an F32/F16/BF16 tensor as fp16 bits (no conversion when stored as F16). */
  readDenseHalf(name: string, signal?: AbortSignal): Promise<HalfTensor>;
  /** Descriptor of the linear layer at `prefix` (EXL2 or dense). */
  linear(prefix: string): LinearDescriptor;
  /** Prefixes of all linear layers. */
  linearPrefixes(): string[];
  /** Reads and validates the tensors of one EXL2 layer. */
  readExl2(prefix: string, signal?: AbortSignal): Promise<Exl2Tensors>;
  /** Reads the tokenizer files that exist beside the model. */
  readTokenizerFiles(signal?: AbortSignal): Promise<TokenizerFiles>;
  /** Bits per weight per layer and overall, head bits and sizes. */
  summary(): ModelSummary;
  /** Releases file handles. */
  close(): Promise<void>;
}
