import { EngineClosedError, QueueFullError, QueueTimeoutError, RequestAbortedError } from './errors.js';

/** Options of {@link RequestQueue}. */
export interface RequestQueueOptions {
  /** Requests that may wait besides the running one; one more fails with {@link QueueFullError}. */
  maxQueued: number;
  /** Milliseconds a request may wait before it fails with {@link QueueTimeoutError}; 0 waits forever. */
  timeoutMs: number;
}

/** Releases a slot taken with {@link RequestQueue.acquire}. Calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant(): void;
  fail(error: Error): void;
}

/**
 * A first-in, first-out queue in front of one model, which runs one request at a time because it has
 * one KV cache. Waiting is bounded in count and time, and an aborted waiter leaves the queue at once.
 */
export class RequestQueue {
  private busy = false;
  private closed = false;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly options: RequestQueueOptions) {}

  /** Requests running: 0 or 1. */
  get running(): number {
    return this.busy ? 1 : 0;
  }

  /** Requests waiting for the model. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Waits for the model and returns the function that frees it again.
   *
   * @throws {@link QueueFullError} at once when `maxQueued` requests already wait
   * @throws {@link QueueTimeoutError} when the wait exceeds `timeoutMs`
   * @throws {@link RequestAbortedError} when `signal` aborts first
   * @throws {@link EngineClosedError} when the queue is or gets closed
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (this.closed) return Promise.reject(new EngineClosedError());
    if (signal?.aborted) return Promise.reject(new RequestAbortedError({ cause: signal.reason }));
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.options.maxQueued) {
      return Promise.reject(new QueueFullError(this.waiters.length, this.options.maxQueued));
    }

    return new Promise<ReleaseSlot>((resolve, reject) => {
      const startedAt = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        leave();
        reject(new RequestAbortedError({ cause: signal?.reason }));
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve(this.releaser());
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.options.timeoutMs > 0) {
        timer = setTimeout(
          () => waiter.fail(new QueueTimeoutError(Date.now() - startedAt)),
          this.options.timeoutMs,
        );
      }
    });
  }

  /** Rejects every waiting request and every later {@link acquire} with {@link EngineClosedError}. */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.fail(new EngineClosedError());
  }

  /** Returns a one-shot function that hands the slot to the next waiter, or frees it. */
  private releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters[0];
      if (next === undefined) {
        this.busy = false;
        return;
      }
      // The slot passes straight to the next waiter, so busy stays true.
      next.grant();
    };
  }
}
