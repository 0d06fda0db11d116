import type { DeviceSamplingParams } from '../interface.js';

/**
 * Draws a token exactly as {@link Backend.sample} defines it. Probabilities are computed in f64.
 *
 * @param logits - one row of logits
 * @param uniform - a number in [0, 1)
 */
export function sampleRow(logits: Float32Array, params: DeviceSamplingParams, uniform: number): number {
  const vocabSize = logits.length;
  if (params.temperature === 0) {
    let best = 0;
    for (let id = 1; id < vocabSize; id++) if (logits[id]! > logits[best]!) best = id;
    return best;
  }

  let maxLogit = Number.NEGATIVE_INFINITY;
  for (let id = 0; id < vocabSize; id++) if (logits[id]! > maxLogit) maxLogit = logits[id]!;
  const probabilities = new Float64Array(vocabSize);
  let sum = 0;
  for (let id = 0; id < vocabSize; id++) {
    const p = Math.exp((logits[id]! - maxLogit) / params.temperature);
    probabilities[id] = p;
    sum += p;
  }
  for (let id = 0; id < vocabSize; id++) probabilities[id]! /= sum;

  // Descending probability; ties keep the lower id first.
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

  let keptSum = 0;
  for (let i = 0; i < kept; i++) keptSum += probabilities[order[i] as number]!;
  const threshold = uniform * keptSum;
  let cumulative = 0;
  for (let i = 0; i < kept; i++) {
    cumulative += probabilities[order[i] as number]!;
    if (cumulative > threshold) return order[i]!;
  }
  return order[kept - 1]!;
}
