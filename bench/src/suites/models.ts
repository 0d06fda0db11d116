import { measureReadBandwidth } from '../probes/bandwidth.js';
import { measureGpuReadBandwidth } from '../probes/webgpu-bandwidth.js';
import { runInChild } from '../runs/spawn.js';
import type { RunnerName, RunOutcome, RunSpec } from '../runs/types.js';
import { rotate } from '../stats.js';

/** Options of {@link runModelRounds}. */
export interface ModelRoundsOptions {
  /** Runners to measure, in their first round's order. */
  runners: readonly RunnerName[];
  /** Rounds; each round measures the bandwidth (when enabled) and every runner once. */
  rounds: number;
  /** The run settings shared by all runners; `runner` is filled in per run. */
  spec: Omit<RunSpec, 'runner'>;
  /** Kill a run after this many milliseconds. */
  timeoutMs: number;
  /** Buffer size of the bandwidth probe; undefined skips the probe. */
  bandwidthBytes: number | undefined;
  /** Also probe the GPU's read bandwidth each round (for the GPU runners' ceiling). */
  gpuBandwidth: boolean;
  /** Progress messages. */
  log: (message: string) => void;
}

/** The raw measurements of all rounds. */
export interface ModelRounds {
  /** Read bandwidth in bytes per second, one per round (empty when the probe is off). */
  bandwidth: number[];
  /** GPU read bandwidth in bytes per second, one per round (empty when the probe is off). */
  gpuBandwidth: number[];
  /** Adapter the GPU probe ran on. */
  gpuAdapter?: string;
  /** Errors of GPU probe rounds that failed. */
  gpuBandwidthErrors: string[];
  /** Outcomes per runner, one per round, in round order. */
  outcomes: Partial<Record<RunnerName, RunOutcome[]>>;
}

/**
 * Measures all runners in interleaved rounds: each round probes the read bandwidth (and the GPU's when
 * asked) and then runs every
 * runner once, each in its own child process. The runner order rotates from round to round, so no
 * runner always runs first (cold caches) or last (a warm, busy machine).
 */
export async function runModelRounds(options: ModelRoundsOptions): Promise<ModelRounds> {
  const result: ModelRounds = { bandwidth: [], gpuBandwidth: [], gpuBandwidthErrors: [], outcomes: {} };
  for (let round = 0; round < options.rounds; round++) {
    if (options.bandwidthBytes !== undefined) {
      const { bytesPerSecond } = await measureReadBandwidth({
        bytes: options.bandwidthBytes,
        threads: options.spec.threads,
      });
      result.bandwidth.push(bytesPerSecond);
      options.log(`round ${round + 1}: read bandwidth ${(bytesPerSecond / 1e9).toFixed(2)} GB/s`);
    }
    if (options.gpuBandwidth) {
      try {
        const gpu = await measureGpuReadBandwidth();
        result.gpuBandwidth.push(gpu.bytesPerSecond);
        result.gpuAdapter = gpu.adapter;
        options.log(`round ${round + 1}: GPU read bandwidth ${(gpu.bytesPerSecond / 1e9).toFixed(1)} GB/s`);
      } catch (error) {
        result.gpuBandwidthErrors.push(error instanceof Error ? error.message : String(error));
      }
    }
    for (const runner of rotate(options.runners, round)) {
      const outcome = await runInChild({ ...options.spec, runner }, options.timeoutMs);
      const outcomes = result.outcomes[runner] ?? [];
      outcomes.push(outcome);
      result.outcomes[runner] = outcomes;
      options.log(
        outcome.ok
          ? `round ${round + 1}: ${runner} decode ${outcome.measurement.decodeTokensPerSecond.toFixed(2)} tok/s, ` +
              `prefill ${outcome.measurement.prefillTokensPerSecond.toFixed(1)} tok/s`
          : `round ${round + 1}: ${runner} failed: ${outcome.error}`,
      );
    }
  }
  return result;
}
