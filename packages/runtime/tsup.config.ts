import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cpu.ts', 'src/conformance.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['vitest'],
});
