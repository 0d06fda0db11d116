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
  /**
   * Compiles a kernel module: the shared-memory build when `shared`, else the single-thread build; the
   * build that uses relaxed SIMD's 8-bit dot product when `relaxed`.
   */
  loadModule(shared: boolean, relaxed: boolean): Promise<WebAssembly.Module>;
  /**
   * Whether the engine runs relaxed SIMD, turning it on first where the host allows (Node 20 ships it
   * behind a V8 flag).
   */
  enableRelaxedSimd(): boolean;
  /** Logical processors available, the default thread count. */
  hardwareConcurrency(): number;
  /** Whether threads can share memory here (SharedArrayBuffer and, in browsers, cross-origin isolation). */
  canShareMemory(): boolean;
  /** Starts a worker running `source` (see `worker-source.ts`). */
  spawnWorker(source: string): WorkerThread;
}
