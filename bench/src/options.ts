import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { BenchOptionError } from './errors.js';
import { RUNNER_NAMES, type RunnerName } from './runs/types.js';

/** The suites a bench run can include. */
export const SUITE_NAMES = ['models', 'bandwidth', 'tokenizer', 'exl2'] as const;

/** One suite: model runs, the bandwidth probe and ceilings, tokenizer encode, EXL2 decode. */
export type SuiteName = (typeof SUITE_NAMES)[number];

/** Settings of one bench run, after defaults. */
export interface BenchOptions {
  /** Whether the quick preset is used (small model, few runs). */
  quick: boolean;
  /** Runners measured by the models suite. */
  runners: RunnerName[];
  /** Whether `--runners` named the runners (then none is skipped by default). */
  runnersExplicit: boolean;
  /** Suites to run. */
  suites: SuiteName[];
  /** Interleaved rounds; every figure is the median over them. */
  runs: number;
  /** CPU threads for the wasm backend, llama.cpp and the bandwidth probe. */
  threads: number;
  /** Prompt length in tokens (BOS included). */
  promptTokens: number;
  /** Tokens timed after the first generated one. */
  decodeTokens: number;
  /** Seconds after which a model run is killed and reported as timed out. */
  timeoutSeconds: number;
  /** Results folder. */
  outDir: string;
  /** Model cache folder. */
  cacheDir: string;
  /** Weight seed of the synthetic model. */
  seed: number;
  /** Whether Dawn uses the system's Vulkan drivers (`system`) or SwiftShader (`swiftshader`). */
  webgpuDriver: 'swiftshader' | 'system';
}

/** Help text of `pnpm bench`. */
export const HELP = `Usage: pnpm bench [options]

Builds (once, cached) a synthetic MiniChat-2-3B-shaped EXL2 model and its GGUF twin, then measures our
backends, llama.cpp, the memory read bandwidth, tokenizer encode speed and EXL2 decode speed.

Options:
  --quick                 small model and short runs (about two minutes); prints the JSON path last
  --runners LIST          comma-separated: ${RUNNER_NAMES.join(', ')} (default: all;
                          without this option the full preset skips cpu and gpujs, and both
                          presets skip webgpu unless --webgpu-driver system; skipped runners are
                          listed with the reason)
  --suites LIST           comma-separated: models, bandwidth, tokenizer, exl2 (default: all)
  --runs N                interleaved rounds per figure (default: 3, quick: 2)
  --threads N             CPU threads for wasm, llama.cpp and the bandwidth probe (default: all cores)
  --prompt-tokens N       prompt length in tokens (default: 512, quick: 64)
  --decode-tokens N       timed decode tokens (default: 128, quick: 16)
  --timeout SECONDS       kill a model run after this long (default: 1200, quick: 90)
  --seed N                weight seed of the synthetic model (default: 0)
  --webgpu-driver NAME    swiftshader (default; CPU emulation) or system (a real GPU's Vulkan driver)
  --out DIR               results folder (default: bench/results)
  --cache DIR             model cache folder (default: bench/.cache)
  --help                  print this text
`;

function positiveInteger(option: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BenchOptionError(option, text, `expected an integer from 1 to ${max}.`);
  }
  return value;
}

function list<T extends string>(option: string, text: string | undefined, choices: readonly T[]): T[] {
  if (text === undefined) return [...choices];
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  for (const item of items) {
    if (!choices.includes(item as T)) {
      throw new BenchOptionError(option, item, `expected one of ${choices.join(', ')}.`);
    }
  }
  if (items.length === 0)
    throw new BenchOptionError(option, text, `expected one or more of ${choices.join(', ')}.`);
  return [...new Set(items)] as T[];
}

/** Parses `pnpm bench` arguments; returns undefined when `--help` was given. */
export function parseBenchOptions(args: string[], benchDir: string): BenchOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      runners: { type: 'string' },
      suites: { type: 'string' },
      runs: { type: 'string' },
      threads: { type: 'string' },
      'prompt-tokens': { type: 'string' },
      'decode-tokens': { type: 'string' },
      timeout: { type: 'string' },
      seed: { type: 'string' },
      'webgpu-driver': { type: 'string' },
      out: { type: 'string' },
      cache: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  const driver = values['webgpu-driver'] ?? 'swiftshader';
  if (driver !== 'swiftshader' && driver !== 'system') {
    throw new BenchOptionError('--webgpu-driver', driver, 'expected swiftshader or system.');
  }
  const seedText = values.seed ?? '0';
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new BenchOptionError('--seed', seedText, 'expected an integer from 0 to 4294967295.');
  }
  const promptTokens = positiveInteger('--prompt-tokens', values['prompt-tokens'], quick ? 64 : 512, 3000);
  return {
    quick,
    runners: list('--runners', values.runners, RUNNER_NAMES),
    runnersExplicit: values.runners !== undefined,
    suites: list('--suites', values.suites, SUITE_NAMES),
    runs: positiveInteger('--runs', values.runs, quick ? 2 : 3, 100),
    threads: positiveInteger('--threads', values.threads, availableParallelism(), 256),
    promptTokens: Math.max(2, promptTokens),
    decodeTokens: positiveInteger('--decode-tokens', values['decode-tokens'], quick ? 16 : 128, 1000),
    timeoutSeconds: positiveInteger('--timeout', values.timeout, quick ? 90 : 1200, 86400),
    outDir: values.out ?? `${benchDir}/results`,
    cacheDir: values.cache ?? `${benchDir}/.cache`,
    seed,
    webgpuDriver: driver,
  };
}
