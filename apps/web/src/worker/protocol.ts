import type { SamplingOptions } from '@minichat/runtime';

/** Source of the model files. */
export type ModelSourceRequest =
  | {
      /** A Hugging Face repository, listed through the hub API and cached in the OPFS. */
      kind: 'hub';
      /** Hub base URL without a trailing slash, such as `https://huggingface.co`. */
      endpoint: string;
      /** `owner/name`. */
      repo: string;
      /** Branch, tag or commit. */
      revision: string;
    }
  | {
      /** A base URL that serves the files (`…/resolve/main/`), probed for the usual names and cached. */
      kind: 'url';
      /** Base URL ending in `/`. */
      baseUrl: string;
    }
  | {
      /** Files the user picked; read lazily through `Blob.slice`. */
      kind: 'files';
      /** The picked files (only their plain names count). */
      files: File[];
    }
  | {
      /** A folder opened with the File System Access API; read lazily through `Blob.slice`. */
      kind: 'directory';
      /** The folder handle from `showDirectoryPicker()`. */
      handle: FileSystemDirectoryHandle;
    };

/** Messages from the page to the engine worker. */
export type WorkerRequest =
  | { type: 'probe' }
  | {
      type: 'load';
      source: ModelSourceRequest;
      contextLength: number | undefined;
      /** `auto` takes the probe's choice. */
      backend: 'auto' | 'webgpu' | 'gpujs' | 'cpu';
    }
  | {
      type: 'generate';
      /** `chat` renders the conversation with the model's template; `completion` continues the raw text. */
      mode: 'chat' | 'completion';
      text: string;
      systemPrompt: string;
      sampling: SamplingOptions;
      maxTokens: number;
    }
  | { type: 'stop' }
  | { type: 'cancel-load' }
  | { type: 'new-chat' }
  | { type: 'cache-usage' }
  | { type: 'cache-clear' };

/** Facts about the compute device, shown before a model is loaded. */
export interface DeviceReport {
  /** Backend the engine uses when the user leaves the choice on automatic. */
  backend: 'webgpu' | 'gpujs' | 'cpu';
  /** Reason the preferred backend (WebGPU) is not used; undefined when it is. */
  fallbackReason: string | undefined;
  /** Adapter vendor, architecture and description, when WebGPU is present. */
  adapter: string | undefined;
  /** Whether the adapter offers `shader-f16`. */
  shaderF16: boolean;
  /** `maxBufferSize` of the adapter in bytes, when WebGPU is present. */
  maxBufferSize: number | undefined;
  /** `maxStorageBufferBindingSize` of the adapter in bytes, when WebGPU is present. */
  maxStorageBufferBindingSize: number | undefined;
  /** gpu.js modes this browser runs, best first. */
  gpuJsModes: string[];
}

/** The memory estimate for an opened model on the chosen device. */
export interface FitReport {
  /** Whether the model fits the device limits. */
  fits: boolean;
  /** Estimated device memory for weights, cache and activations, in bytes. */
  totalBytes: number;
  /** One sentence per problem. */
  problems: string[];
  /** Model facts: layers, hidden size, format, bits per weight, context length. */
  summary: string;
}

/** Messages from the engine worker to the page. */
export type WorkerEvent =
  | { type: 'device'; report: DeviceReport }
  | { type: 'download'; file: string; loadedBytes: number; totalBytes: number }
  | { type: 'fit'; report: FitReport }
  | { type: 'load-progress'; loadedBytes: number; totalBytes: number; tensor: string }
  | { type: 'loaded'; backend: string; description: string; contextLength: number }
  | { type: 'text'; text: string; tokens: number; tokensPerSecond: number | undefined }
  | {
      type: 'finish';
      reason: string;
      text: string;
      promptTokens: number;
      completionTokens: number;
      tokensPerSecond: number | undefined;
    }
  | { type: 'cache'; usedBytes: number; files: number; quotaBytes: number | undefined }
  | { type: 'error'; during: WorkerRequest['type']; name: string; message: string };
