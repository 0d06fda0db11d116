import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages are read from their TypeScript sources (the `minichat-source` export condition),
// so the app builds without building them first.
const conditions = ['minichat-source', ...defaultClientConditions];

export default defineConfig({
  base: './',
  resolve: { conditions },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
