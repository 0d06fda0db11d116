import type { DeviceSamplingParams } from '@minichat/runtime';

/** A token and its logit. */
export interface Candidate {
  id: number;
  logit: number;
}

/** The sorted head of a logits row and the row's softmax normaliser. */
export interface SortedHead {
  /** Tokens in draw order (descending logit, lower id first on ties). Only a prefix may be present. */
  candidates: readonly Candidate[];
  /** The row's maximum logit. */
  maxLogit: number;
  /** `Σ exp((logit - maxLogit) / temperature)` over the whole row. */
  normaliser: number;
  /** Number of tokens in the row. */
  vocabSize: number;
}

/**
 * Applies the backend interface's sampling rule (softmax with temperature, top-k, then top-p, then
 * the first kept token whose cumulative probability exceeds `uniform * kept mass`) to a sorted head.
 * Returns `undefined` when the drawn token depends on tokens past the head, so the caller can fall back to
 * the full row.
 */
export function selectFromHead(
  head: SortedHead,
  params: DeviceSamplingParams,
  uniform: number,
): number | undefined {
  const { candidates, maxLogit, normaliser, vocabSize } = head;
  const known = candidates.length;
  const probability = (i: number): number =>
    Math.exp((candidates[i]!.logit - maxLogit) / params.temperature) / normaliser;

  let kept = params.topK > 0 ? Math.min(params.topK, vocabSize) : vocabSize;
  if (params.topP < 1) {
    let cumulative = 0;
    let reached = false;
    for (let i = 0; i < Math.min(kept, known); i++) {
      cumulative += probability(i);
      if (cumulative >= params.topP) {
        kept = i + 1;
        reached = true;
        break;
      }
    }
    if (!reached && kept > known) return undefined;
  }

  let keptMass: number;
  if (kept <= known) {
    keptMass = 0;
    for (let i = 0; i < kept; i++) keptMass += probability(i);
  } else if (kept === vocabSize) {
    // Every token is kept, so the kept mass is the whole distribution.
    keptMass = 1;
  } else {
    return undefined;
  }

  const threshold = uniform * keptMass;
  let cumulative = 0;
  for (let i = 0; i < Math.min(kept, known); i++) {
    cumulative += probability(i);
    if (cumulative > threshold) return candidates[i]!.id;
  }
  return kept <= known ? candidates[kept - 1]!.id : undefined;
}

/** Sorts a whole logits row into a {@link SortedHead} on the host (the fallback path). */
export function sortRow(logits: Float32Array, temperature: number): SortedHead {
  let maxLogit = Number.NEGATIVE_INFINITY;
  for (const logit of logits) if (logit > maxLogit) maxLogit = logit;
  let normaliser = 0;
  for (const logit of logits) normaliser += Math.exp((logit - maxLogit) / temperature);
  const candidates = Array.from(logits, (logit, id) => ({ id, logit }));
  candidates.sort((a, b) => b.logit - a.logit || a.id - b.id);
  return { candidates, maxLogit, normaliser, vocabSize: logits.length };
}
