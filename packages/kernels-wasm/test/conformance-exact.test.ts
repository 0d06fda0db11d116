import { describeBackendConformance } from '@minichat/runtime/conformance';
import { createWasmBackend } from '../src/node.js';

// Exact mode: f32 activations everywhere, so the default f32 tolerances of the suite apply unchanged.
describeBackendConformance('wasm exact, relaxed SIMD, 2 threads', () =>
  createWasmBackend({ threads: 2, exactActivations: true }),
);

// The baseline build has its own tile layout, so its exact EXL2 products run too.
describeBackendConformance(
  'wasm exact, baseline SIMD, 2 threads',
  () => createWasmBackend({ threads: 2, exactActivations: true, relaxedSimd: false }),
  { parts: ['matmul'] },
);
