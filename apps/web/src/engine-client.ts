import type { WorkerEvent, WorkerRequest } from './worker/protocol.js';

/** The page's side of the engine worker: typed requests out, typed events in. */
export class EngineClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

  constructor() {
    this.worker = new Worker(new URL('./worker/engine-worker.ts', import.meta.url), {
      type: 'module',
      name: 'minichat-engine',
    });
    this.worker.onmessage = (message: MessageEvent<WorkerEvent>) => {
      for (const listener of this.listeners) listener(message.data);
    };
    this.worker.onerror = (error) => {
      const event: WorkerEvent = {
        type: 'error',
        during: 'probe',
        name: 'WorkerError',
        message: `The engine worker failed: ${error.message}`,
      };
      for (const listener of this.listeners) listener(event);
    };
  }

  /** Sends one request; `File`s and directory handles are cloned into the worker, not copied in bytes. */
  send(request: WorkerRequest): void {
    this.worker.postMessage(request);
  }

  /** Registers a listener for every event; returns a function that removes it. */
  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
