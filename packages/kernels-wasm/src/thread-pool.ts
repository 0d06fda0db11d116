import { WasmKernelError } from './errors.js';
import type { WasmHeap } from './heap.js';
import type { Platform, WorkerThread } from './platform.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Stack bytes of each worker instance; the kernels use well under 4 KiB. */
const WORKER_STACK_BYTES = 64 * 1024;
/**
 * Polls of the control block before a thread sleeps in `Atomics.wait`. A decode step issues jobs a few
 * microseconds apart, so spinning that long keeps workers awake between them without burning a core
 * while the model is idle.
 */
const SPIN_ITERATIONS = 20_000;
/** Control block slots (int32), as the worker source documents them. */
const GENERATION = 0;
const COMMAND = 1;
const FINISHED = 2;
const JOB = 3;
const FAILED = 4;
const COMMAND_RUN = 1;
const COMMAND_STOP = 2;
const CONTROL_BYTES = 32;

type RunJob = (job: number, index: number, count: number) => void;

/**
 * Runs kernel jobs on the calling thread plus `threads - 1` workers over one shared memory. The caller is
 * worker 0 and blocks until every share of the job is done, so each op completes before it returns.
 */
export class ThreadPool {
  private readonly workers: WorkerThread[] = [];
  private readonly control: Int32Array;
  private readonly controlOffset: number;
  private readonly stackOffsets: number[] = [];
  private canSleep = true;
  private workerFailure: string | undefined;
  private stopped = false;

  private constructor(
    heap: WasmHeap,
    private readonly runJob: RunJob,
    readonly threads: number,
  ) {
    this.controlOffset = heap.allocate(CONTROL_BYTES, 'thread control block');
    // Only used with a shared memory, whose views stay valid when it grows.
    this.control = new Int32Array(heap.memory.buffer, this.controlOffset, CONTROL_BYTES / 4);
  }

  /** Starts `threads - 1` workers and waits until each has instantiated the module. */
  static async start(
    platform: Platform,
    module: WebAssembly.Module,
    heap: WasmHeap,
    runJob: RunJob,
    threads: number,
  ): Promise<ThreadPool> {
    const pool = new ThreadPool(heap, runJob, threads);
    if (threads === 1) return pool;
    try {
      Atomics.wait(pool.control, FAILED, 1, 0);
    } catch {
      // Browser main threads may not block; they spin instead.
      pool.canSleep = false;
    }
    const ready: Promise<void>[] = [];
    for (let index = 1; index < threads; index++) {
      const stackOffset = heap.allocate(WORKER_STACK_BYTES, 'worker stack');
      pool.stackOffsets.push(stackOffset);
      const worker = platform.spawnWorker(WORKER_SOURCE);
      pool.workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.onMessage((message) => {
            const event = message as { type: string; message?: string };
            if (event.type === 'ready') resolve();
            if (event.type === 'error') pool.workerFailure = event.message;
          });
          worker.onError((error) => {
            if (!pool.stopped) pool.workerFailure = String(error);
            reject(error);
          });
        }),
      );
      worker.postMessage({
        module,
        memory: heap.memory,
        controlOffset: pool.controlOffset,
        index,
        count: threads,
        stackTop: stackOffset + WORKER_STACK_BYTES,
        generation: 0,
        spinIterations: SPIN_ITERATIONS,
      });
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      pool.stop();
      throw new WasmKernelError('createWasmBackend', 'a worker thread failed to start', { cause: error });
    }
    // An idle pool must not keep a Node process alive; dispose() also terminates the threads.
    for (const worker of pool.workers) worker.unref();
    return pool;
  }

  /** Runs the job at `jobOffset` on every thread, or on this thread alone when `parallel` is false. */
  run(op: string, jobOffset: number, parallel: boolean): void {
    if (this.stopped) throw new WasmKernelError(op, 'the thread pool was stopped');
    if (!parallel || this.threads === 1) {
      this.runLocal(op, jobOffset, 0, 1);
      return;
    }
    const control = this.control;
    Atomics.store(control, JOB, jobOffset);
    Atomics.store(control, FINISHED, 0);
    Atomics.store(control, COMMAND, COMMAND_RUN);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);

    let localError: unknown;
    try {
      this.runJob(jobOffset, 0, this.threads);
    } catch (error) {
      localError = error;
    }
    this.waitForWorkers();

    if (localError !== undefined) throw new WasmKernelError(op, String(localError), { cause: localError });
    if (Atomics.load(control, FAILED) !== 0) {
      throw new WasmKernelError(op, `a worker thread trapped (${this.workerFailure ?? 'no message'})`);
    }
  }

  /** Tells the workers to exit and terminates them; safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // With one thread the memory is not shared: there are no workers, and growth may detach the view.
    if (this.threads === 1) return;
    Atomics.store(this.control, COMMAND, COMMAND_STOP);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const worker of this.workers) worker.terminate();
    this.workers.length = 0;
  }

  private runLocal(op: string, jobOffset: number, index: number, count: number): void {
    try {
      this.runJob(jobOffset, index, count);
    } catch (error) {
      throw new WasmKernelError(op, String(error), { cause: error });
    }
  }

  private waitForWorkers(): void {
    const control = this.control;
    const expected = this.threads - 1;
    let finished = Atomics.load(control, FINISHED);
    for (let spin = 0; finished < expected && spin < SPIN_ITERATIONS; spin++) {
      finished = Atomics.load(control, FINISHED);
    }
    while (finished < expected) {
      if (this.workerFailure !== undefined && Atomics.load(control, FAILED) === 0) {
        // A worker died outside a job (an uncaught error or exit): it will never finish this one.
        this.stop();
        throw new WasmKernelError('run', `a worker thread stopped (${this.workerFailure})`);
      }
      if (this.canSleep) Atomics.wait(control, FINISHED, finished, 100);
      finished = Atomics.load(control, FINISHED);
    }
  }
}
