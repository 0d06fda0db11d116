import type { DeviceSamplingParams } from '@minichat/runtime';

/**
 * Draws a token from one row of logits as `Backend.sample` defines it, with probabilities in f64. Greedy
 * sampling takes the lowest id of the maximum. Otherwise the steps are softmax with temperature, descending
 * order (lower id first on ties), top-k, the shortest top-p prefix, and then the first token whose
 * cumulative probability exceeds `uniform` times the kept probability.
 */
export function sampleLogits(logits: Float32Array, params: DeviceSamplingParams, uniform: number): number {
  const vocabSize = logits.length;
  if (params.temperature === 0) {
    let best = 0;
    for (let id = 1; id < vocabSize; id++) if (logits[id]! > logits[best]!) best = id;
    return best;
  }

  let maxLogit = Number.NEGATIVE_INFINITY;
  for (const logit of logits) maxLogit = Math.max(maxLogit, logit);
  const probabilities = new Float64Array(vocabSize);
  let total = 0;
  for (let id = 0; id < vocabSize; id++) {
    probabilities[id] = Math.exp((logits[id]! - maxLogit) / params.temperature);
    total += probabilities[id]!;
  }
  for (let id = 0; id < vocabSize; id++) probabilities[id]! /= total;

  const order = Array.from({ length: vocabSize }, (_, id) => id);
  order.sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);

  let kept = params.topK > 0 ? Math.min(params.topK, vocabSize) : vocabSize;
  if (params.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept; i++) {
      cumulative += probabilities[order[i] as number]!;
      if (cumulative >= params.topP) {
        kept = i + 1;
        break;
      }
    }
  }

  let keptTotal = 0;
  for (let i = 0; i < kept; i++) keptTotal += probabilities[order[i] as number]!;
  const threshold = uniform * keptTotal;
  let cumulative = 0;
  for (let i = 0; i < kept; i++) {
    cumulative += probabilities[order[i] as number]!;
    if (cumulative > threshold) return order[i]!;
  }
  return order[kept - 1]!;
}
