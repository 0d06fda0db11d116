import type { BenchResults } from '../bench-results.js';
import { RUNNER_NAMES } from '../runs/types.js';
import { number, summary } from './format.js';

const GIB = 2 ** 30;

/** Renders the results as Markdown: machine, model, runner table, ceilings, goals, tokenizer and EXL2 decode. */
export function renderMarkdown(results: BenchResults): string {
  const { machine, options, model } = results;
  const lines: string[] = [];
  lines.push(`# Bench results (${options.quick ? 'quick' : 'full'} preset), ${results.startedAt}`, '');
  lines.push(
    `Machine: ${machine.cpuModel}, ${machine.logicalCores} logical cores, ${number(machine.memoryBytes / GIB, 1)} GiB, ` +
      `${machine.os}, Node ${machine.node}. Load average (1 min) ${number(machine.loadAverageAtStart)} at the start, ` +
      `${number(machine.loadAverageAtEnd)} at the end.`,
    '',
    `Settings: ${options.runs} interleaved rounds, ${options.threads} CPU thread(s), ` +
      `${options.promptTokens}-token prompt, ` +
      `${options.decodeTokens} timed decode tokens. Figures are median (min–max).`,
    '',
  );
  if (model) {
    const s = model.shape;
    lines.push(
      `Model: ${s.numHiddenLayers} layers, hidden ${s.hiddenSize}, FFN ${s.intermediateSize}, ${s.numAttentionHeads} heads, ` +
        `vocab ${s.vocabSize}. EXL2 file ${number(model.exl2Bytes / 1e9, 3)} GB (4.0 bpw, 8-bit head); ` +
        `GGUF file ${number(model.ggufBytes / 1e9, 3)} GB (Q4_0, Q8_0 head and embedding). ` +
        `Bytes read per decode token: EXL2 ${number(model.decodeTraffic.exl2.totalBytes / 1e9, 3)} GB, ` +
        `GGUF ${number(model.decodeTraffic.gguf.totalBytes / 1e9, 3)} GB.`,
      '',
    );
  }

  lines.push(
    '| runner | status | load s | prefill tok/s | decode tok/s | ÷ llama.cpp decode | ÷ ceiling | peak RSS GiB | RSS ÷ file |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const name of RUNNER_NAMES) {
    const r = results.runners[name];
    if (!r) continue;
    lines.push(
      `| ${name} | ${r.status} | ${summary(r.loadMs, 2, 1 / 1000)} | ${summary(r.prefillTokensPerSecond, 1)} | ` +
        `${summary(r.decodeTokensPerSecond)} | ${summary(r.decodePerLlamaCpp)} | ${summary(r.decodePerCeiling)} | ` +
        `${summary(r.peakRssBytes, 2, 1 / GIB)} | ${summary(r.peakRssPerWeightsFile)} |`,
    );
  }
  lines.push('');
  for (const name of RUNNER_NAMES) {
    const r = results.runners[name];
    if (!r) continue;
    if (r.description) lines.push(`- ${name}: ${r.description}`);
    if (r.skipReason) lines.push(`- ${name} ${r.skipReason}`);
    for (const error of r.errors) lines.push(`- ${name} error: ${error.replaceAll('\n', ' ')}`);
  }
  lines.push('');

  if (results.bandwidth) {
    const b = results.bandwidth;
    lines.push(
      `Memory read bandwidth: ${summary(b.bytesPerSecond, 2, 1e-9)} GB/s. Decode ceiling (bandwidth ÷ bytes per token): ` +
        `EXL2 ${summary(b.exl2CeilingTokensPerSecond)} tok/s, GGUF ${summary(b.ggufCeilingTokensPerSecond)} tok/s.`,
      '',
    );
  }

  if (results.gpuBandwidth) {
    const g = results.gpuBandwidth;
    lines.push(
      `GPU read bandwidth (${g.adapter ?? 'unknown adapter'}): ${summary(g.bytesPerSecond, 1, 1e-9)} GB/s; EXL2 decode ` +
        `ceiling ${summary(g.exl2CeilingTokensPerSecond)} tok/s.${g.errors.length > 0 ? ` Errors: ${g.errors.join('; ')}` : ''}`,
      '',
    );
  }
  for (const warning of results.warnings) lines.push(`**Warning:** ${warning}`, '');
  lines.push('| goal | target | runner | median | met |', '|---|---|---|---|---|');
  for (const goal of results.goals) {
    let met = 'not measured';
    if (goal.met !== undefined) met = goal.met ? 'yes' : 'no';
    lines.push(`| ${goal.goal} | ${goal.target} | ${goal.runner ?? '–'} | ${number(goal.value)} | ${met} |`);
  }
  lines.push('');

  if (results.tokenizer) {
    const t = results.tokenizer;
    lines.push(
      `Tokenizer encode (${number(t.corpusBytes / 1e6, 2)} MB, ${t.paragraphs} paragraphs, ${t.mismatchedParagraphs} ` +
        `with ids differing from SentencePiece): ours ${summary(t.ours)} MB/s, SentencePiece WASM ` +
        `${summary(t.sentencePiece)} MB/s, ratio ${summary(t.ratio)}.`,
      '',
    );
  }
  if (results.exl2Decode) {
    const e = results.exl2Decode;
    lines.push(
      `EXL2 decode (exl2-format \`dequantizeExl2\`, fp32, ${e.layers.length} layers of block 0): ` +
        `${summary(e.packedGigabytesPerSecond)} GB/s of packed tensors, ${summary(e.gigaweightsPerSecond)} G weights/s.`,
      '',
    );
  }
  for (const failure of results.suiteErrors) lines.push(`- suite ${failure.suite} failed: ${failure.error}`);
  return `${lines.join('\n').trimEnd()}\n`;
}
