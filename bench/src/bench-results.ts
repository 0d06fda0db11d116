import type { MachineInfo } from './machine.js';
import type { LlamaShape } from './model-cache.js';
import type { BenchOptions } from './options.js';
import type { Exl2Result, GoalResult, RunnerResult, TokenizerResult } from './results.js';
import type { RunnerName } from './runs/types.js';
import type { Summary } from './stats.js';
import type { DecodeTraffic } from './traffic.js';

/** Version of the results JSON layout; bump it when a field changes meaning. */
export const BENCH_RESULTS_FORMAT = 1;

/** Everything one `pnpm bench` run measured, as written to its JSON file. */
export interface BenchResults {
  /** Layout version of this object. */
  formatVersion: number;
  /** ISO time the run started. */
  startedAt: string;
  /** ISO time the run ended. */
  finishedAt: string;
  /** The options in effect. */
  options: BenchOptions;
  /** The machine. */
  machine: MachineInfo;
  /** The benchmark model and its two files. */
  model?: {
    /** Dimensions. */
    shape: LlamaShape;
    /** Bytes of the EXL2 `output.safetensors`. */
    exl2Bytes: number;
    /** Bytes of the Q4_0 GGUF file. */
    ggufBytes: number;
    /** Whether both came from the cache. */
    cached: boolean;
    /** Build times in this run, ms (0 when cached). */
    buildMs: { exl2: number; gguf: number };
    /** Estimated bytes read per decode step from each file. */
    decodeTraffic: { exl2: DecodeTraffic; gguf: DecodeTraffic };
  };
  /** Read bandwidth and the decode ceilings it implies. */
  bandwidth?: {
    /** Bytes per second, over the rounds. */
    bytesPerSecond: Summary;
    /** Decode tokens/s ceiling of the EXL2 model: bandwidth ÷ its bytes per token. */
    exl2CeilingTokensPerSecond: Summary;
    /** Decode tokens/s ceiling of the GGUF model. */
    ggufCeilingTokensPerSecond: Summary;
  };
  /** GPU memory read bandwidth (only with `--webgpu-driver system`) and the EXL2 ceiling it implies. */
  gpuBandwidth?: {
    /** Adapter the probe ran on. */
    adapter?: string;
    /** Bytes per second, over the rounds. */
    bytesPerSecond?: Summary;
    /** Decode tokens/s ceiling of the EXL2 model on this GPU. */
    exl2CeilingTokensPerSecond?: Summary;
    /** Errors of probe rounds that failed. */
    errors: string[];
  };
  /** Per-runner summaries, including runners that failed (with their errors). */
  runners: Partial<Record<RunnerName, RunnerResult>>;
  /** The project's goals. */
  goals: GoalResult[];
  /** Tokenizer encode speed against SentencePiece. */
  tokenizer?: TokenizerResult;
  /** EXL2 decode speed. */
  exl2Decode?: Exl2Result;
  /** Conditions that make the figures less trustworthy, such as a busy machine. */
  warnings: string[];
  /** Suites that failed before producing a result, with their errors. */
  suiteErrors: { suite: string; error: string }[];
}
