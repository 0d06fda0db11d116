import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages are read from their TypeScript sources (the `minichat-source` export condition),
// so the app builds without building them first.
const conditions = ['minichat-source', ...defaultClientConditions];

export default defineConfig({
  base: './',
  resolve: { conditions },
  worker: { format: 'es' },
  // gpu.js compiles each kernel from its JavaScript source text, and minified kernel code fails its
  // parser ("Unhandled binary expression between Array & Number"), so the bundles stay unminified.
  build: { target: 'es2022', sourcemap: true, minify: false },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
