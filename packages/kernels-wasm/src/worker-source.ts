/**
 * Source of the worker thread, as a string so it runs unchanged as a Node `worker_threads` eval script and
 * as a Web Worker from a Blob URL, without a separate file for bundlers to find.
 *
 * The worker instantiates the kernel module over the shared memory, moves its stack pointer to its own
 * stack and reports `ready`. Then it loops. It spins on the generation word of the control block and
 * sleeps in `Atomics.wait` when no job comes for a while. It runs its share of each job with
 * `run_job(job, index, count)` and counts itself done. Control block int32 slots: 0 generation, 1 command (1 run, 2 stop),
 * 2 finished workers, 3 job offset, 4 failure flag.
 */
export const WORKER_SOURCE = `
'use strict';
function startWorker(init, post) {
  var instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  instance.exports.__stack_pointer.value = init.stackTop;
  var runJob = instance.exports.run_job;
  var control = new Int32Array(init.memory.buffer, init.controlOffset, 8);
  var seen = init.generation;
  post({ type: 'ready', index: init.index });
  for (;;) {
    var generation = Atomics.load(control, 0);
    for (var spin = 0; generation === seen && spin < init.spinIterations; spin++) {
      generation = Atomics.load(control, 0);
    }
    if (generation === seen) {
      // A bounded sleep: a thread blocked without limit could not be terminated when the process exits.
      Atomics.wait(control, 0, seen, 100);
      continue;
    }
    seen = generation;
    if (Atomics.load(control, 1) === 2) break;
    try {
      runJob(Atomics.load(control, 3), init.index, init.count);
    } catch (error) {
      Atomics.store(control, 4, 1);
      post({ type: 'error', index: init.index, message: String(error) });
    }
    if (Atomics.add(control, 2, 1) === init.count - 2) Atomics.notify(control, 2);
  }
}
if (typeof self === 'undefined' || typeof self.postMessage !== 'function') {
  var port = require('node:worker_threads').parentPort;
  port.once('message', function (init) {
    startWorker(init, function (message) { port.postMessage(message); });
  });
} else {
  self.onmessage = function (event) {
    self.onmessage = null;
    startWorker(event.data, function (message) { self.postMessage(message); });
  };
}
`;
