import { mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, {
  test: {
    // Builds dist/*.wasm from csrc/ when it is missing or older than the C sources.
    globalSetup: ['./scripts/vitest-build-wasm.ts'],
  },
});
