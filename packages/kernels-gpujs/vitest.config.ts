import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// gpu.js's cpu and webasm modes run the conformance suite's MiniChat-sized matmuls on one core.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 600_000 } }));
