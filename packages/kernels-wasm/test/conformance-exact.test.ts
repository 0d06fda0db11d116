import { describeBackendConformance } from '@minichat/runtime/conformance';
import { createWasmBackend } from '../src/node.js';

// Exact mode: f32 activations everywhere, so the default f32 tolerances of the suite apply unchanged.
describeBackendConformance('wasm exact, 2 threads', () =>
  createWasmBackend({ threads: 2, exactActivations: true }),
);
