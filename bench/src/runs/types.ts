/** The model runners the bench measures: our backends and llama.cpp. */
export const RUNNER_NAMES = ['cpu', 'wasm', 'webgpu', 'gpujs', 'llama.cpp'] as const;

/** One model runner. `cpu` is the runtime's reference backend; `wasm` is the WebAssembly SIMD CPU backend. */
export type RunnerName = (typeof RUNNER_NAMES)[number];

/** The work order of one measurement child process. */
export interface RunSpec {
  /** Runner to measure. */
  runner: RunnerName;
  /** EXL2 model directory (our backends). */
  exl2Dir: string;
  /** GGUF file (llama.cpp). */
  ggufPath: string;
  /** CPU threads for the wasm backend and llama.cpp. */
  threads: number;
  /** Prompt token ids, BOS first. */
  promptTokens: number[];
  /** Tokens to time after the first one. */
  decodeTokens: number;
  /** KV cache positions. */
  contextLength: number;
  /** Leave `VK_ICD_FILENAMES` as the environment has it (a real GPU) instead of using SwiftShader. */
  systemVulkan: boolean;
}

/** Timings and memory of one measurement run. */
export interface RunMeasurement {
  /** Backend or library description, such as the WebGPU adapter or the llama.cpp build. */
  description: string;
  /** Milliseconds to create the backend or load the native library. */
  initMs: number;
  /** Milliseconds from opening the model file to a model ready to run. */
  loadMs: number;
  /** Prompt tokens divided by the time from the start of generation to the first sampled token. */
  prefillTokensPerSecond: number;
  /** Tokens after the first one divided by the time they took. */
  decodeTokensPerSecond: number;
  /** Token ids generated greedily (the first one and the timed ones). */
  tokens: number[];
  /** Peak resident set size of the child process, in bytes. */
  peakRssBytes: number;
  /**
   * Whether the kernels ran on a GPU: false for the CPU runners, for WebGPU on SwiftShader and for
   * gpu.js in its WebAssembly or JavaScript mode. Only GPU runs count toward the GPU goal.
   */
  onGpu: boolean;
}

/** Returns the reason a runner is skipped by default, or undefined when it runs. */
export function defaultSkipReason(
  runner: RunnerName,
  webgpuDriver: 'swiftshader' | 'system',
  quick: boolean,
): string | undefined {
  if (runner === 'gpujs' && !quick) {
    return (
      'skipped: gpu.js keeps three EXL2 codes per f32 texel (about 1.33 bytes per weight, so 3.6 GB for the ' +
      'full model) and in Node runs its kernels in headless-gl, WebAssembly or JavaScript mode; name gpujs ' +
      'in --runners to run it anyway'
    );
  }
  if (runner === 'cpu' && !quick) {
    return (
      'skipped: the f32 TypeScript reference backend decodes the full model at well under one token per ' +
      'second, so a 512-token prefill alone takes tens of minutes; name cpu in --runners to run it anyway'
    );
  }
  if (runner === 'webgpu' && webgpuDriver === 'swiftshader') {
    return (
      'skipped: without --webgpu-driver system Dawn runs on SwiftShader, which emulates the GPU on the CPU ' +
      'and takes seconds per decode step even on the quick model; name webgpu in --runners to run it anyway, ' +
      'or run bench/webgpu-gpu.sh on a machine with a GPU'
    );
  }
  return undefined;
}

/** The outcome of one run: its measurement, or the error that ended it. */
export type RunOutcome = { ok: true; measurement: RunMeasurement } | { ok: false; error: string };

/** Prefix of the stdout line that carries a child's result as JSON. */
export const RESULT_LINE_PREFIX = 'MINICHAT_BENCH_RESULT ';
