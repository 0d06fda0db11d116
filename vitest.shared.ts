import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repoRoot = dirname(fileURLToPath(import.meta.url));

/**
 * Test configuration shared by every package. Tests read fixtures from `MINICHAT_FIXTURES`
 * (default: `../shared/fixtures` beside the repository), and WebGPU tests run on Dawn with
 * SwiftShader's Vulkan driver unless `VK_ICD_FILENAMES` already names another driver.
 */
export default defineConfig({
  resolve: {
    conditions: ['minichat-source', 'module', 'node', 'import', 'default'],
  },
  ssr: {
    resolve: {
      conditions: ['minichat-source', 'module', 'node', 'import', 'default'],
      externalConditions: ['minichat-source'],
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      MINICHAT_FIXTURES: process.env.MINICHAT_FIXTURES ?? resolve(repoRoot, '../shared/fixtures'),
      VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json',
    },
  },
});
