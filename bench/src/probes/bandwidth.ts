import { Worker } from 'node:worker_threads';
import { BenchError } from '../errors.js';
import { READ_KERNEL_STRIDE, readKernelBinary } from './read-kernel.js';

/** Options of {@link measureReadBandwidth}. */
export interface ReadBandwidthOptions {
  /** Bytes of the buffer read; far above the last-level cache so reads come from DRAM. Required. */
  bytes: number;
  /** Threads that read disjoint slices at the same time. Required. */
  threads: number;
  /** Whole-buffer passes timed. Default: 4. */
  passes?: number;
}

/** One bandwidth measurement. */
export interface ReadBandwidth {
  /** Bytes read per second over all threads. */
  bytesPerSecond: number;
  /** Bytes read in the timed passes. */
  bytesRead: number;
  /** Wall time of the timed passes in milliseconds. */
  elapsedMs: number;
}

/** 64 KiB WebAssembly pages. */
const PAGE_BYTES = 65536;

// Each worker instantiates the read module over the shared memory, then handles every `run` message
// by reading its slice `passes` times and posting the XOR it got.
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
let read;
parentPort.on('message', (message) => {
  if (message.type === 'init') {
    read = new WebAssembly.Instance(message.module, { env: { memory: message.memory } }).exports.read;
    parentPort.postMessage({ type: 'ready' });
    return;
  }
  let checksum = 0n;
  for (let pass = 0; pass < message.passes; pass++) checksum ^= read(message.start, message.end);
  parentPort.postMessage({ type: 'done', checksum });
});
`;

function nextMessage(worker: Worker): Promise<{ type: string; checksum?: bigint }> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) =>
      reject(new BenchError('A bandwidth probe worker failed.', { cause: error }));
    worker.once('error', onError);
    worker.once('message', (message) => {
      worker.off('error', onError);
      resolve(message);
    });
  });
}

/**
 * Measures memory read bandwidth: `threads` worker threads run a WebAssembly SIMD loop over disjoint
 * slices of one shared buffer, all at once. One untimed pass faults the pages in and warms up; the
 * timed passes follow. The result is the bytes read over the wall time from the first start message to
 * the last reply, so it includes thread wake-up (a few microseconds against hundreds of milliseconds).
 */
export async function measureReadBandwidth(options: ReadBandwidthOptions): Promise<ReadBandwidth> {
  const passes = options.passes ?? 4;
  const slice = Math.floor(options.bytes / options.threads / READ_KERNEL_STRIDE) * READ_KERNEL_STRIDE;
  const pages = Math.ceil((slice * options.threads) / PAGE_BYTES);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  // Non-zero contents, so the pages are really backed by memory (not the shared zero page).
  const words = new Uint32Array(memory.buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 0x9e3779b1);
  const module = await WebAssembly.compile(readKernelBinary());

  const workers = Array.from({ length: options.threads }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(
      workers.map((worker) => {
        const ready = nextMessage(worker);
        worker.postMessage({ type: 'init', module, memory });
        return ready;
      }),
    );
    const runAll = async (count: number) => {
      const replies = workers.map((worker, index) => {
        const reply = nextMessage(worker);
        worker.postMessage({ type: 'run', start: index * slice, end: (index + 1) * slice, passes: count });
        return reply;
      });
      return Promise.all(replies);
    };
    await runAll(1);
    const start = performance.now();
    await runAll(passes);
    const elapsedMs = performance.now() - start;
    const bytesRead = slice * options.threads * passes;
    return { bytesPerSecond: bytesRead / (elapsedMs / 1000), bytesRead, elapsedMs };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
