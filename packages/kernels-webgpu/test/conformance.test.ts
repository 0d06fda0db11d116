import { describeBackendConformance } from '@minichat/runtime/conformance';
import { createNodeWebGpuBackend } from '../src/node.js';

// The acceptance test: every op against the CPU reference on Dawn (SwiftShader in CI, f32 path).
describeBackendConformance('webgpu', () => createNodeWebGpuBackend());
