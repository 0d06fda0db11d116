import type { RunnerName, RunOutcome } from './runs/types.js';
import { type Summary, summarize } from './stats.js';
import type { Exl2Rounds } from './suites/exl2.js';
import type { ModelRounds } from './suites/models.js';
import type { TokenizerRounds } from './suites/tokenizer.js';
import type { DecodeTraffic } from './traffic.js';

/** Runners that run on the CPU; the CPU goals take the best of them. */
export const CPU_RUNNERS: readonly RunnerName[] = ['cpu', 'wasm'];
/** Runners that run on a GPU; the GPU goal takes the best of them. */
export const GPU_RUNNERS: readonly RunnerName[] = ['webgpu', 'gpujs'];

/** Summaries of one runner over all rounds. */
export interface RunnerResult {
  /** `ok` when every run succeeded, `partial` when some did, `failed` when none did, `skipped` when none ran. */
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  /** Reason the runner was skipped. */
  skipReason?: string;
  /** Description reported by the backend or library. */
  description?: string;
  /** Distinct error messages of failed runs. */
  errors: string[];
  /** Load time, ms. */
  loadMs?: Summary;
  /** Prefill tokens/s. */
  prefillTokensPerSecond?: Summary;
  /** Decode tokens/s. */
  decodeTokensPerSecond?: Summary;
  /** Peak RSS, bytes. */
  peakRssBytes?: Summary;
  /** Peak RSS divided by the bytes of the weights file this runner loads. */
  peakRssPerWeightsFile?: Summary;
  /**
   * Decode tokens/s divided by the bandwidth ceiling of the same round: the GPU read bandwidth for GPU
   * runners when the GPU probe ran, else the CPU read bandwidth.
   */
  decodePerCeiling?: Summary;
  /** Decode tokens/s divided by llama.cpp's in the same round (our runners only). */
  decodePerLlamaCpp?: Summary;
  /** Prefill tokens/s divided by llama.cpp's in the same round (our runners only). */
  prefillPerLlamaCpp?: Summary;
  /** Whether every successful run ran on a GPU (see `RunMeasurement.onGpu`). */
  onGpu?: boolean;
  /** Greedy tokens of the first successful run, for comparing runners. */
  firstTokens?: number[];
  /** Every run's outcome, in round order. */
  runs: RunOutcome[];
}

/** A project goal and this run's value for it. */
export interface GoalResult {
  /** Measured quantity. */
  goal: string;
  /** The target, as text. */
  target: string;
  /** The runner the value comes from (the best one of its kind), when any ran. */
  runner?: RunnerName;
  /** Median of the measured ratio. */
  value?: number;
  /** Whether the median meets the target; undefined when nothing was measured. */
  met?: boolean;
}

function perRound(
  rounds: ModelRounds,
  runner: RunnerName,
  value: (outcome: Extract<RunOutcome, { ok: true }>, round: number) => number | undefined,
): number[] {
  const values: number[] = [];
  (rounds.outcomes[runner] ?? []).forEach((outcome, round) => {
    if (!outcome.ok) return;
    const v = value(outcome, round);
    if (v !== undefined) values.push(v);
  });
  return values;
}

/** Inputs of {@link summarizeRunners}. */
export interface RunnerContext {
  rounds: ModelRounds;
  exl2Bytes: number;
  ggufBytes: number;
  exl2Traffic: DecodeTraffic;
  ggufTraffic: DecodeTraffic;
}

/**
 * Summarizes every runner and computes the same-round ratios against llama.cpp and the ceiling. Runners
 * in `skipped` get a `skipped` entry with the reason.
 */
export function summarizeRunners(
  context: RunnerContext,
  skipped: ReadonlyMap<RunnerName, string> = new Map(),
): Partial<Record<RunnerName, RunnerResult>> {
  const { rounds } = context;
  const llama = rounds.outcomes['llama.cpp'] ?? [];
  const out: Partial<Record<RunnerName, RunnerResult>> = {};
  for (const [name, reason] of skipped)
    out[name] = { status: 'skipped', skipReason: reason, errors: [], runs: [] };
  for (const [name, outcomes] of Object.entries(rounds.outcomes) as [RunnerName, RunOutcome[]][]) {
    const succeeded = outcomes.filter((o): o is Extract<RunOutcome, { ok: true }> => o.ok);
    const isLlama = name === 'llama.cpp';
    const fileBytes = isLlama ? context.ggufBytes : context.exl2Bytes;
    const traffic = isLlama ? context.ggufTraffic : context.exl2Traffic;
    const againstLlama = (pick: 'decodeTokensPerSecond' | 'prefillTokensPerSecond') =>
      isLlama
        ? undefined
        : summarize(
            perRound(rounds, name, (o, round) => {
              const peer = llama[round];
              return peer?.ok ? o.measurement[pick] / peer.measurement[pick] : undefined;
            }),
          );
    let status: RunnerResult['status'] = 'failed';
    if (succeeded.length === outcomes.length) status = 'ok';
    else if (succeeded.length > 0) status = 'partial';
    const result: RunnerResult = {
      status,
      errors: [...new Set(outcomes.flatMap((o) => (o.ok ? [] : [o.error])))],
      runs: outcomes,
    };
    const first = succeeded[0]?.measurement;
    if (first) {
      result.onGpu = succeeded.every((o) => o.measurement.onGpu);
      result.description = first.description;
      result.firstTokens = first.tokens;
    }
    const assign = <K extends keyof RunnerResult>(key: K, value: RunnerResult[K] | undefined) => {
      if (value !== undefined) result[key] = value;
    };
    assign('loadMs', summarize(succeeded.map((o) => o.measurement.loadMs)));
    assign('prefillTokensPerSecond', summarize(succeeded.map((o) => o.measurement.prefillTokensPerSecond)));
    assign('decodeTokensPerSecond', summarize(succeeded.map((o) => o.measurement.decodeTokensPerSecond)));
    assign('peakRssBytes', summarize(succeeded.map((o) => o.measurement.peakRssBytes)));
    assign('peakRssPerWeightsFile', summarize(succeeded.map((o) => o.measurement.peakRssBytes / fileBytes)));
    assign(
      'decodePerCeiling',
      summarize(
        perRound(rounds, name, (o, round) => {
          // GPU runners read their weights from GPU memory when the GPU probe ran; else from RAM.
          const gpu = GPU_RUNNERS.includes(name) && rounds.gpuBandwidth.length > 0;
          const bandwidth = gpu ? rounds.gpuBandwidth[round] : rounds.bandwidth[round];
          return bandwidth === undefined
            ? undefined
            : o.measurement.decodeTokensPerSecond / (bandwidth / traffic.totalBytes);
        }),
      ),
    );
    assign('decodePerLlamaCpp', againstLlama('decodeTokensPerSecond'));
    assign('prefillPerLlamaCpp', againstLlama('prefillTokensPerSecond'));
    out[name] = result;
  }
  return out;
}

function best(
  runners: Partial<Record<RunnerName, RunnerResult>>,
  candidates: readonly RunnerName[],
  metric: (r: RunnerResult) => Summary | undefined,
  lowerIsBetter = false,
): { runner: RunnerName; value: number } | undefined {
  let found: { runner: RunnerName; value: number } | undefined;
  for (const runner of candidates) {
    const value = runners[runner] && metric(runners[runner]!)?.median;
    if (value === undefined) continue;
    if (!found || (lowerIsBetter ? value < found.value : value > found.value)) found = { runner, value };
  }
  return found;
}

/** Evaluates the project's three speed and memory goals from the runner summaries. */
export function evaluateGoals(runners: Partial<Record<RunnerName, RunnerResult>>): GoalResult[] {
  const goal = (
    text: string,
    target: string,
    found: { runner: RunnerName; value: number } | undefined,
    met: (value: number) => boolean,
  ): GoalResult => (found ? { goal: text, target, ...found, met: met(found.value) } : { goal: text, target });
  return [
    goal(
      'CPU decode ÷ llama.cpp Q4_0 decode',
      '≥ 1.0',
      best(runners, CPU_RUNNERS, (r) => r.decodePerLlamaCpp),
      (v) => v >= 1,
    ),
    goal(
      'CPU peak RSS ÷ weights file',
      '≤ 1.15',
      best(runners, CPU_RUNNERS, (r) => r.peakRssPerWeightsFile, true),
      (v) => v <= 1.15,
    ),
    goal(
      'GPU decode ÷ bandwidth ceiling',
      '≥ 0.40',
      // A GPU backend on a CPU emulation (SwiftShader, gpu.js without WebGL) does not measure a GPU, so it is left out.
      best(runners, GPU_RUNNERS, (r) => (r.onGpu ? r.decodePerCeiling : undefined)),
      (v) => v >= 0.4,
    ),
  ];
}

/** Tokenizer suite results. */
export interface TokenizerResult extends Omit<TokenizerRounds, 'ours' | 'sentencePiece'> {
  /** Our encode MB/s. */
  ours?: Summary;
  /** SentencePiece WASM encode MB/s. */
  sentencePiece?: Summary;
  /** Ours ÷ SentencePiece, per round. */
  ratio?: Summary;
}

/** Summarizes the tokenizer rounds, pairing each round's two timings for the ratio. */
export function summarizeTokenizer(rounds: TokenizerRounds): TokenizerResult {
  const { ours, sentencePiece, ...rest } = rounds;
  const result: TokenizerResult = { ...rest };
  const o = summarize(ours);
  const s = summarize(sentencePiece);
  const r = summarize(ours.map((value, i) => value / sentencePiece[i]!));
  if (o) result.ours = o;
  if (s) result.sentencePiece = s;
  if (r) result.ratio = r;
  return result;
}

/** EXL2 decode suite results. */
export interface Exl2Result {
  /** Layers decoded. */
  layers: string[];
  /** Packed GB/s. */
  packedGigabytesPerSecond?: Summary;
  /** Billions of weights per second. */
  gigaweightsPerSecond?: Summary;
}

/** Summarizes the EXL2 decode rounds. */
export function summarizeExl2(rounds: Exl2Rounds): Exl2Result {
  const result: Exl2Result = { layers: rounds.layers };
  const packed = summarize(rounds.packedGigabytesPerSecond);
  const weights = summarize(rounds.gigaweightsPerSecond);
  if (packed) result.packedGigabytesPerSecond = packed;
  if (weights) result.gigaweightsPerSecond = weights;
  return result;
}
