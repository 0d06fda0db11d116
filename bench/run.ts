/**
 * `pnpm bench`: measures our backends against llama.cpp and the machine's memory bandwidth on a synthetic
 * MiniChat-2-3B-shaped model, plus tokenizer and EXL2 decode speed, and writes JSON, Markdown and SVG
 * results. Run `pnpm bench --help` for the options. Progress goes to stderr; the Markdown table and, as
 * the last line, the path of the JSON file go to stdout.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openModel } from '@minichat/exl2-format';
import { directoryFiles, MINICHAT_2_3B_SHAPE } from '@minichat/exl2-format/node';
import { BENCH_RESULTS_FORMAT, type BenchResults } from './src/bench-results.js';
import { BenchError } from './src/errors.js';
import { ggufFromModel } from './src/gguf/from-model.js';
import { ggmlTensorBytes } from './src/gguf/header.js';
import { describeMachine } from './src/machine.js';
import { prepareModels, QUICK_SHAPE } from './src/model-cache.js';
import { HELP, parseBenchOptions } from './src/options.js';
import { renderMarkdown } from './src/report/markdown.js';
import { renderSvg } from './src/report/svg.js';
import { evaluateGoals, summarizeExl2, summarizeRunners, summarizeTokenizer } from './src/results.js';
import { defaultSkipReason, type RunnerName } from './src/runs/types.js';
import { summarize } from './src/stats.js';
import { runExl2Rounds } from './src/suites/exl2.js';
import { runModelRounds } from './src/suites/models.js';
import { runTokenizerRounds } from './src/suites/tokenizer.js';
import { exl2DecodeTraffic, ggufDecodeTraffic } from './src/traffic.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** BOS followed by seeded ids from LLaMA-2's ordinary pieces (259 to 31999), the same for every runner. */
function benchPrompt(length: number, vocabSize: number): number[] {
  const tokens = [1];
  let state = 12345;
  const span = Math.min(vocabSize, 32000) - 259;
  while (tokens.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    tokens.push(259 + ((state >>> 8) % span));
  }
  return tokens;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const options = parseBenchOptions(args, benchDir);
if (options === undefined) {
  process.stdout.write(HELP);
  process.exit(0);
}

const startedAt = new Date();
const results: BenchResults = {
  formatVersion: BENCH_RESULTS_FORMAT,
  startedAt: startedAt.toISOString(),
  finishedAt: '',
  options,
  machine: describeMachine(),
  runners: {},
  goals: [],
  warnings: [],
  suiteErrors: [],
};

const fixtures = process.env.MINICHAT_FIXTURES ?? resolve(benchDir, '../../shared/fixtures');
const tokenizerPath = join(fixtures, 'tokenizers', 'llama2-tokenizer.model');
const shape = options.quick ? QUICK_SHAPE : MINICHAT_2_3B_SHAPE;
let tokenizerBytes: Uint8Array;
try {
  tokenizerBytes = new Uint8Array(await readFile(tokenizerPath));
} catch (error) {
  throw new BenchError(
    `LLaMA-2's tokenizer.model was not found at ${tokenizerPath}; set MINICHAT_FIXTURES to the fixtures folder ` +
      'that contains tokenizers/llama2-tokenizer.model.',
    { cause: error },
  );
}
const models = await prepareModels({
  cacheDir: options.cacheDir,
  shape: options.quick ? QUICK_SHAPE : 'minichat-2-3b',
  name: options.quick ? 'quick' : 'minichat-2-3b',
  tokenizer: tokenizerBytes,
  seed: options.seed,
  log,
});
log(`EXL2 model ${models.exl2Dir} (${(models.exl2Bytes / 1e9).toFixed(3)} GB), GGUF ${models.ggufPath}`);

const reader = await openModel(directoryFiles(models.exl2Dir));
const meanPosition = options.promptTokens + options.decodeTokens / 2;
const ggufTensors = (await ggufFromModel(reader, 'q4_0')).tensors;
const exl2Traffic = exl2DecodeTraffic(reader, meanPosition);
const ggufTraffic = ggufDecodeTraffic(
  reader,
  new Map(ggufTensors.map((tensor) => [tensor.name, ggmlTensorBytes(tensor)])),
  meanPosition,
);
const { config } = reader;
const modelTokenizer = (await reader.readTokenizerFiles()).tokenizerModel;
await reader.close();
results.model = {
  shape,
  exl2Bytes: models.exl2Bytes,
  ggufBytes: models.ggufBytes,
  cached: models.cached,
  buildMs: models.buildMs,
  decodeTraffic: { exl2: exl2Traffic, gguf: ggufTraffic },
};

const skipped = new Map<RunnerName, string>();
if (!options.runnersExplicit) {
  for (const runner of options.runners) {
    const reason = defaultSkipReason(runner, options.webgpuDriver, options.quick);
    if (reason !== undefined) skipped.set(runner, reason);
  }
}
const runModels = options.suites.includes('models');
// 1 GiB is far above any last-level cache; the quick preset reads a quarter of that.
const bandwidthBytes = (options.quick ? 256 : 1024) * 2 ** 20;
const runBandwidth = options.suites.includes('bandwidth');
if (runModels || runBandwidth) {
  try {
    const rounds = await runModelRounds({
      runners: runModels ? options.runners.filter((runner) => !skipped.has(runner)) : [],
      rounds: options.runs,
      spec: {
        exl2Dir: models.exl2Dir,
        ggufPath: models.ggufPath,
        threads: options.threads,
        promptTokens: benchPrompt(options.promptTokens, config.vocabSize),
        decodeTokens: options.decodeTokens,
        contextLength: Math.min(
          config.maxPositionEmbeddings,
          options.promptTokens + options.decodeTokens + 8,
        ),
        systemVulkan: options.webgpuDriver === 'system',
      },
      timeoutMs: options.timeoutSeconds * 1000,
      bandwidthBytes: runBandwidth ? bandwidthBytes : undefined,
      gpuBandwidth: runBandwidth && options.webgpuDriver === 'system' && !skipped.has('webgpu'),
      log,
    });
    const bandwidth = summarize(rounds.bandwidth);
    if (bandwidth) {
      results.bandwidth = {
        bytesPerSecond: bandwidth,
        exl2CeilingTokensPerSecond: summarize(rounds.bandwidth.map((b) => b / exl2Traffic.totalBytes))!,
        ggufCeilingTokensPerSecond: summarize(rounds.bandwidth.map((b) => b / ggufTraffic.totalBytes))!,
      };
    }
    if (rounds.gpuBandwidth.length > 0 || rounds.gpuBandwidthErrors.length > 0) {
      const gpu = summarize(rounds.gpuBandwidth);
      results.gpuBandwidth = { errors: rounds.gpuBandwidthErrors };
      if (rounds.gpuAdapter) results.gpuBandwidth.adapter = rounds.gpuAdapter;
      if (gpu) {
        results.gpuBandwidth.bytesPerSecond = gpu;
        results.gpuBandwidth.exl2CeilingTokensPerSecond = summarize(
          rounds.gpuBandwidth.map((b) => b / exl2Traffic.totalBytes),
        )!;
      }
    }
    results.runners = summarizeRunners(
      {
        rounds,
        exl2Bytes: models.exl2Bytes,
        ggufBytes: models.ggufBytes,
        exl2Traffic,
        ggufTraffic,
      },
      skipped,
    );
    results.goals = evaluateGoals(results.runners);
  } catch (error) {
    results.suiteErrors.push({ suite: 'models', error: errorText(error) });
  }
}

if (options.suites.includes('tokenizer')) {
  try {
    if (!modelTokenizer)
      throw new BenchError(
        `${models.exl2Dir} has no tokenizer.model; delete the cache folder to rebuild it.`,
      );
    log('tokenizer: encoding the corpus with ours and SentencePiece WASM');
    const corpusBytes = (options.quick ? 0.2 : 2) * 1e6;
    results.tokenizer = summarizeTokenizer(
      await runTokenizerRounds(modelTokenizer, corpusBytes, options.runs),
    );
  } catch (error) {
    results.suiteErrors.push({ suite: 'tokenizer', error: errorText(error) });
  }
}

if (options.suites.includes('exl2')) {
  try {
    log('exl2: decoding the layers of block 0');
    results.exl2Decode = summarizeExl2(await runExl2Rounds(models.exl2Dir, options.runs));
  } catch (error) {
    results.suiteErrors.push({ suite: 'exl2', error: errorText(error) });
  }
}

results.machine.loadAverageAtEnd = loadavg()[0]!;
const busiest = Math.max(results.machine.loadAverageAtStart, results.machine.loadAverageAtEnd);
if (busiest > results.machine.logicalCores) {
  results.warnings.push(
    `The 1-minute load average reached ${busiest.toFixed(1)} on ${results.machine.logicalCores} logical cores, ` +
      'so other processes competed for the CPU. llama.cpp suffers most when it has as many threads as there are ' +
      'busy cores, because its threads busy-wait for each other; compare with a run at --threads 1.',
  );
}
results.finishedAt = new Date().toISOString();
await mkdir(options.outDir, { recursive: true });
const stem = join(
  options.outDir,
  `bench-${options.quick ? 'quick' : 'full'}-${results.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}`,
);
const markdown = renderMarkdown(results);
await writeFile(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
await writeFile(`${stem}.md`, markdown);
await writeFile(`${stem}.svg`, renderSvg(results));
process.stdout.write(`${markdown}\nMarkdown: ${stem}.md\nChart: ${stem}.svg\n${resolve(`${stem}.json`)}\n`);
process.exit(0);
