import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// SwiftShader runs the kernels on the CPU: the conformance suite's end-to-end generations take minutes.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 600_000 } }));
