import { describeBackendConformance } from '@minichat/runtime/conformance';
import { createGpuJsBackend } from '../src/index.js';

// The acceptance test in gpu.js's cpu mode: kernels compiled to plain JavaScript, f32 arithmetic.
describeBackendConformance('gpujs cpu', () => createGpuJsBackend({ mode: 'cpu' }));
