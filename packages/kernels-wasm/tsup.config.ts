import { defineConfig } from 'tsup';

// `clean` stays off: scripts/build-wasm.mjs writes the kernels into dist/ before tsup runs.
export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: false,
  target: 'es2022',
});
