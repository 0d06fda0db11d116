/** A worker thread as the thread pool uses it, over Node `worker_threads` or a Web Worker. */
export interface WorkerThread {
  /** Sends a structured-cloneable message. */
  postMessage(message: unknown): void;
  /** Registers a message listener. */
  onMessage(listener: (message: unknown) => void): void;
  /** Registers a listener for an uncaught error or an early exit. */
  onError(listener: (error: unknown) => void): void;
  /** Stops the thread. */
  terminate(): void;
  /** Lets the process exit while the thread still runs (Node); a no-op where that does not apply. */
  unref(): void;
}

/** Host services the backend needs. The browser and Node entry points each provide one. */
export interface Platform {
  /** Compiles the kernel module: the shared-memory build when `shared`, else the single-thread build. */
  loadModule(shared: boolean): Promise<WebAssembly.Module>;
  /** Logical processors available, the default thread count. */
  hardwareConcurrency(): number;
  /** Whether threads can share memory here (SharedArrayBuffer and, in browsers, cross-origin isolation). */
  canShareMemory(): boolean;
  /** Starts a worker running `source` (see `worker-source.ts`). */
  spawnWorker(source: string): WorkerThread;
}
