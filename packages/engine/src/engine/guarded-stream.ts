import { RequestAbortedError } from '../errors.js';

/** Outcome of a {@link GuardedStream}. */
export interface StreamEnd {
  /** The error the source threw, if it did. */
  error?: unknown;
  /** Whether the consumer stopped the stream (or the signal aborted it) before the source finished. */
  stoppedEarly: boolean;
}

/**
 * An async iterator over a generator that runs `onEnd` exactly once, however the stream ends. It may be
 * read to the end or throw. The consumer may call `return()`, as `break` in `for await` does, even before
 * the first `next()`. Or `signal` may abort while no `next()` is pending, and the next read then throws.
 * A plain async generator skips its `finally` block when it is returned before it started, which would
 * keep the model taken.
 */
export class GuardedStream<T> implements AsyncIterableIterator<T> {
  private ended = false;
  private pending = false;
  private abortedWhileIdle = false;
  private readonly onAbort = (): void => {
    if (this.pending) return;
    this.abortedWhileIdle = true;
    void this.return();
  };

  constructor(
    private readonly source: AsyncGenerator<T, void, undefined>,
    private readonly onEnd: (end: StreamEnd) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Returns the next item; the stream ends (and `onEnd` runs) when the source is done or throws.
   *
   * @throws {@link RequestAbortedError} after the signal aborted between two reads
   */
  async next(): Promise<IteratorResult<T, undefined>> {
    if (this.abortedWhileIdle) throw new RequestAbortedError({ cause: this.signal?.reason });
    if (this.ended) return { done: true, value: undefined };
    this.pending = true;
    try {
      const result = await this.source.next();
      if (result.done) this.end({ stoppedEarly: false });
      return result.done ? { done: true, value: undefined } : result;
    } catch (error) {
      this.end({ error, stoppedEarly: false });
      throw error;
    } finally {
      this.pending = false;
    }
  }

  /** Stops the stream early: ends the source generator and runs `onEnd`. */
  async return(): Promise<IteratorResult<T, undefined>> {
    if (!this.ended) {
      try {
        await this.source.return(undefined);
      } finally {
        this.end({ stoppedEarly: true });
      }
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(how: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onEnd(how);
  }
}
