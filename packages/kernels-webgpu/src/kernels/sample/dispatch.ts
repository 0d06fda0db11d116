import type { DeviceSamplingParams } from '@minichat/runtime';
import type { GpuContext } from '../../gpu/context.js';
import { argmaxKernel, MAX_CANDIDATES, NO_TOKEN, TOP_K_HEADER_WORDS, topKKernel } from './kernel.js';
import { type Candidate, selectFromHead, sortRow } from './select.js';

/** Words of the sampling result buffer the backend keeps. */
export const SAMPLE_RESULT_WORDS = TOP_K_HEADER_WORDS + 2 * MAX_CANDIDATES;

/**
 * Samples one token from row `row` of a logits buffer with `vocabSize` columns. Greedy selection reads
 * back one word. Otherwise the top candidates are selected on the GPU and read back. The whole row is
 * read only when the kept set reaches past them.
 */
export async function sampleOnDevice(
  context: GpuContext,
  logits: GPUBuffer,
  row: number,
  vocabSize: number,
  result: GPUBuffer,
  params: DeviceSamplingParams,
  uniform: number,
): Promise<number> {
  const offset = row * vocabSize;
  if (params.temperature === 0) {
    const block = context.params(4);
    block.u32[0] = offset;
    block.u32[1] = vocabSize;
    context.dispatch(argmaxKernel, {}, block, [logits, result], 1);
    return new Uint32Array(await context.read(result, 0, 4))[0]!;
  }

  const candidateCount = Math.min(MAX_CANDIDATES, vocabSize);
  const block = context.params(4);
  block.u32[0] = offset;
  block.u32[1] = vocabSize;
  block.f32[2] = 1 / params.temperature;
  block.u32[3] = candidateCount;
  context.dispatch(topKKernel, {}, block, [logits, result], 1);
  const words = new Uint32Array(await context.read(result, 0, (TOP_K_HEADER_WORDS + 2 * candidateCount) * 4));
  const floats = new Float32Array(words.buffer);

  const boundValue = floats[2]!;
  const boundId = words[3]!;
  const candidates: Candidate[] = [];
  for (let c = 0; c < candidateCount; c++) {
    const id = words[TOP_K_HEADER_WORDS + 2 * c]!;
    const logit = floats[TOP_K_HEADER_WORDS + 2 * c + 1]!;
    // Past the bound, some invocation may have dropped a token that belongs here.
    const exact = boundId === NO_TOKEN || logit > boundValue || (logit === boundValue && id < boundId);
    if (!exact || id === NO_TOKEN) break;
    candidates.push({ id, logit });
  }
  const head = { candidates, maxLogit: floats[0]!, normaliser: floats[1]!, vocabSize };
  const chosen = selectFromHead(head, params, uniform);
  if (chosen !== undefined) return chosen;

  const rowLogits = new Float32Array(await context.read(logits, offset * 4, vocabSize * 4));
  return selectFromHead(sortRow(rowLogits, params.temperature), params, uniform)!;
}
