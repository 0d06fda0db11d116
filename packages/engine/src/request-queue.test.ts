import { afterEach, describe, expect, test, vi } from 'vitest';
import { EngineClosedError, QueueFullError, QueueTimeoutError, RequestAbortedError } from './errors.js';
import { RequestQueue } from './request-queue.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RequestQueue', () => {
  test('grants slots in arrival order', async () => {
    const queue = new RequestQueue({ maxQueued: 4, timeoutMs: 0 });
    const order: string[] = [];
    const first = await queue.acquire();
    const waiters = ['b', 'c', 'd'].map((name) =>
      queue.acquire().then((release) => {
        order.push(name);
        release();
      }),
    );
    expect(queue.waiting).toBe(3);

    first();
    await Promise.all(waiters);

    expect(order).toEqual(['b', 'c', 'd']);
    expect({ running: queue.running, waiting: queue.waiting }).toEqual({ running: 0, waiting: 0 });
  });

  test('rejects beyond maxQueued', async () => {
    const queue = new RequestQueue({ maxQueued: 1, timeoutMs: 0 });
    const release = await queue.acquire();
    const waiting = queue.acquire();

    await expect(queue.acquire()).rejects.toBeInstanceOf(QueueFullError);
    await expect(queue.acquire()).rejects.toThrow(/1 requests are already waiting, the most it queues \(1\)/);
    release();
    (await waiting)();
  });

  test('maxQueued 0 rejects any wait', async () => {
    const queue = new RequestQueue({ maxQueued: 0, timeoutMs: 0 });
    const release = await queue.acquire();

    await expect(queue.acquire()).rejects.toMatchObject({ status: 429 });
    release();
  });

  test('times out a waiter', async () => {
    vi.useFakeTimers();
    const queue = new RequestQueue({ maxQueued: 2, timeoutMs: 1000 });
    const release = await queue.acquire();
    const waiting = queue.acquire();
    const check = expect(waiting).rejects.toBeInstanceOf(QueueTimeoutError);

    await vi.advanceTimersByTimeAsync(1000);

    await check;
    expect(queue.waiting).toBe(0);
    release();
    expect(queue.running).toBe(0);
  });

  test('abort removes a waiter', async () => {
    const queue = new RequestQueue({ maxQueued: 2, timeoutMs: 0 });
    const release = await queue.acquire();
    const controller = new AbortController();
    const waiting = queue.acquire(controller.signal);

    controller.abort();

    await expect(waiting).rejects.toBeInstanceOf(RequestAbortedError);
    expect(queue.waiting).toBe(0);
    release();
    expect(queue.running).toBe(0);
  });

  test('release twice frees once', async () => {
    const queue = new RequestQueue({ maxQueued: 2, timeoutMs: 0 });
    const release = await queue.acquire();
    const second = queue.acquire();

    release();
    release();
    const releaseSecond = await second;

    expect(queue.running).toBe(1);
    releaseSecond();
    expect(queue.running).toBe(0);
  });

  test('close rejects waiters and later requests', async () => {
    const queue = new RequestQueue({ maxQueued: 2, timeoutMs: 0 });
    await queue.acquire();
    const waiting = queue.acquire();

    queue.close();

    await expect(waiting).rejects.toBeInstanceOf(EngineClosedError);
    await expect(queue.acquire()).rejects.toMatchObject({ status: 503, code: 'engine_closed' });
  });
});
