import type { Backend } from '../backend/interface.js';
import type { ForwardPass } from '../model/forward.js';
import type { SampledToken, Sampler } from '../sampler/sampler.js';

/**
 * Runs prefill and decode steps on one KV cache and remembers which tokens the cache holds, so a new
 * prompt that starts like the previous one reuses the shared prefix instead of computing it again.
 */
export class InferenceEngine {
  /** Tokens whose keys and values are in the cache, at positions 0..length-1. */
  private readonly cached: number[] = [];

  constructor(
    private readonly backend: Backend,
    private readonly forwardPass: ForwardPass,
    /** Positions the cache holds. */
    readonly contextLength: number,
  ) {}

  /** Tokens currently in the cache. */
  get cachedTokens(): readonly number[] {
    return this.cached;
  }

  /** Forgets the cached tokens; the next prompt is computed from scratch. */
  reset(): void {
    this.cached.length = 0;
  }

  /**
   * Brings the cache to contain `tokens` and leaves the logits of the last one ready. Only the part after
   * the longest prefix shared with the cache is computed, in chunks. The last token is always computed,
   * because its logits are needed. The abort signal is checked before each chunk, and the cache record
   * grows only after a chunk is recorded, so an abort leaves a consistent, reusable cache.
   *
   * @returns the number of prompt tokens reused from the cache
   */
  async prefill(tokens: readonly number[], signal: AbortSignal | undefined): Promise<number> {
    let shared = 0;
    const limit = Math.min(this.cached.length, tokens.length - 1);
    while (shared < limit && this.cached[shared] === tokens[shared]) shared++;
    this.cached.length = shared;

    const chunkSize = this.forwardPass.chunkSize;
    for (let start = shared; start < tokens.length; start += chunkSize) {
      // A CPU backend computes synchronously, so let timers (and abort handlers) run between chunks.
      await yieldToEventLoop();
      signal?.throwIfAborted();
      const chunk = Int32Array.from(tokens.slice(start, Math.min(tokens.length, start + chunkSize)));
      const isLast = start + chunk.length === tokens.length;
      this.forwardPass.forward(chunk, start, isLast);
      for (const token of chunk) this.cached.push(token);
    }
    return shared;
  }

  /** Computes one decode step for `token` at the next position, leaving its logits ready. */
  step(token: number): void {
    this.forwardPass.forward(Int32Array.of(token), this.cached.length, true);
    this.cached.push(token);
  }

  /**
   * Chooses the next token from the ready logits. When the sampler's options allow it, the backend draws
   * the token next to the logits and only the id is read back; otherwise the logits row is read and the
   * host sampler runs.
   */
  async chooseToken(sampler: Sampler, history: readonly number[]): Promise<SampledToken> {
    await yieldToEventLoop();
    const logits = this.forwardPass.logits;
    if (sampler.deviceParams !== undefined) {
      const token = await this.backend.sample(logits, 0, sampler.deviceParams, sampler.nextUniform());
      return { token };
    }
    const row = await this.backend.readActivation(logits, 0, 1);
    return sampler.sample(row, history);
  }
}

/**
 * Resolves after pending timers and I/O callbacks had a chance to run. Node has `setImmediate`; browsers
 * get a `MessageChannel` message, because nested `setTimeout(0)` calls are clamped to at least 4 ms.
 */
function yieldToEventLoop(): Promise<void> {
  const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (setImmediate !== undefined) {
    return new Promise((resolve) => {
      setImmediate(resolve);
    });
  }
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => {
    setTimeout(resolve, 0);
  });
}
