import { describeBackendConformance } from '@minichat/runtime/conformance';
import { createGpuJsBackend } from '../src/index.js';

// The acceptance test in gpu.js's webasm mode: kernels compiled to WebAssembly, f32 arithmetic.
describeBackendConformance('gpujs webasm', () => createGpuJsBackend({ mode: 'webasm' }));
