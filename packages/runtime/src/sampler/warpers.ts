/**
 * Sampling filters. Each works on one probability distribution `probabilities` (the softmax of the
 * processed logits over the whole vocabulary) and narrows a list of kept token ids. The filters never
 * renormalize between each other, so their order does not change which tokens survive top-k and top-p.
 */

/** Token ids ordered by descending probability, ties by ascending id. */
export function sortByProbability(probabilities: Float64Array): Int32Array {
  const order = new Int32Array(probabilities.length);
  for (let id = 0; id < order.length; id++) order[id] = id;
  return order.sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
}

/** Keeps the first `k` ids of `sorted` (all when `k` is 0). */
export function applyTopK(sorted: Int32Array, k: number): Int32Array {
  return k > 0 && k < sorted.length ? sorted.subarray(0, k) : sorted;
}

/** Keeps the shortest prefix of `sorted` whose probability reaches `p` (at least one id). */
export function applyTopP(sorted: Int32Array, probabilities: Float64Array, p: number): Int32Array {
  if (p >= 1) return sorted;
  let cumulative = 0;
  for (let i = 0; i < sorted.length; i++) {
    cumulative += probabilities[sorted[i] as number]!;
    if (cumulative >= p) return sorted.subarray(0, i + 1);
  }
  return sorted;
}

/** Keeps the ids whose probability is at least `minP` times the largest kept probability. */
export function applyMinP(sorted: Int32Array, probabilities: Float64Array, minP: number): Int32Array {
  if (minP <= 0 || sorted.length === 0) return sorted;
  const threshold = minP * probabilities[sorted[0] as number]!;
  let kept = 1;
  while (kept < sorted.length && probabilities[sorted[kept] as number]! >= threshold) kept++;
  return sorted.subarray(0, kept);
}

/**
 * Locally typical sampling (Meister et al., 2022): orders the kept ids by how far their information
 * content `-log p` lies from the distribution's entropy, keeps the closest ones until their probability
 * reaches `typicalP`, and returns them in descending-probability order again.
 */
export function applyTypicalP(sorted: Int32Array, probabilities: Float64Array, typicalP: number): Int32Array {
  if (typicalP >= 1) return sorted;
  let entropy = 0;
  for (const p of probabilities) if (p > 0) entropy -= p * Math.log(p);
  const distance = (id: number): number => {
    const p = probabilities[id]!;
    return p > 0 ? Math.abs(-Math.log(p) - entropy) : Number.POSITIVE_INFINITY;
  };
  const byTypicality = Int32Array.from(sorted).sort((a, b) => distance(a) - distance(b) || a - b);
  let cumulative = 0;
  let kept = byTypicality.length;
  for (let i = 0; i < byTypicality.length; i++) {
    cumulative += probabilities[byTypicality[i] as number]!;
    if (cumulative >= typicalP) {
      kept = i + 1;
      break;
    }
  }
  const keep = new Set(byTypicality.subarray(0, kept));
  return sorted.filter((id) => keep.has(id));
}

/**
 * Returns the first id of `kept` (in its order) whose cumulative probability exceeds
 * `uniform * (total probability of kept)`, the draw the backend interface defines.
 */
export function drawToken(kept: Int32Array, probabilities: Float64Array, uniform: number): number {
  let total = 0;
  for (const id of kept) total += probabilities[id]!;
  const threshold = uniform * total;
  let cumulative = 0;
  for (const id of kept) {
    cumulative += probabilities[id]!;
    if (cumulative > threshold) return id;
  }
  return kept[kept.length - 1]!;
}

/** Softmax of `logits / temperature` in f64; -Infinity logits get probability 0. */
export function softmax(logits: Float64Array, temperature: number): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const logit of logits) if (logit > max) max = logit;
  const probabilities = new Float64Array(logits.length);
  let sum = 0;
  for (let id = 0; id < logits.length; id++) {
    const p = Math.exp((logits[id]! - max) / temperature);
    probabilities[id] = p;
    sum += p;
  }
  for (let id = 0; id < logits.length; id++) probabilities[id]! /= sum;
  return probabilities;
}
