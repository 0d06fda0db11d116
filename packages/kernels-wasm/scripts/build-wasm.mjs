#!/usr/bin/env node
// Compiles csrc/*.c into the two kernel modules in dist/: one for a shared memory (threads) and one
// for a plain memory (single thread, where SharedArrayBuffer is unavailable).
// Usage: node scripts/build-wasm.mjs [--if-missing]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(packageDir, 'csrc');
const outputDir = join(packageDir, 'dist');

/** Output file name and the flags that differ between the two modules. */
export const WASM_VARIANTS = [
  {
    file: 'minichat-kernels-shared.wasm',
    flags: ['-matomics', '-mbulk-memory', '-Wl,--shared-memory'],
  },
  { file: 'minichat-kernels.wasm', flags: [] },
];

const COMMON_FLAGS = [
  '--target=wasm32',
  '-msimd128',
  '-mmutable-globals',
  '-O3',
  '-ffreestanding',
  '-nostdlib',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--export=__stack_pointer',
  '-Wl,--export=__heap_base',
  // wasm32 addresses 4 GiB at most.
  '-Wl,--max-memory=4294967296',
  '-Wl,-z,stack-size=65536',
];

function sources() {
  return readdirSync(sourceDir)
    .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
    .map((name) => join(sourceDir, name));
}

function isUpToDate(file) {
  if (!existsSync(file)) return false;
  const built = statSync(file).mtimeMs;
  return sources().every((source) => statSync(source).mtimeMs <= built);
}

export function buildWasm({ ifMissing = false } = {}) {
  mkdirSync(outputDir, { recursive: true });
  const cFiles = sources().filter((file) => file.endsWith('.c'));
  for (const variant of WASM_VARIANTS) {
    const output = join(outputDir, variant.file);
    if (ifMissing && isUpToDate(output)) continue;
    try {
      execFileSync('clang', [...COMMON_FLAGS, ...variant.flags, '-o', output, ...cFiles], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (error) {
      const reason = error && error.code === 'ENOENT' ? 'clang was not found on PATH' : String(error);
      throw new Error(
        `Failed to compile ${variant.file} (${reason}). Install clang and lld ` +
          '(Debian: apt-get install clang lld) and run `pnpm --filter @minichat/kernels-wasm build`.',
        { cause: error },
      );
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildWasm({ ifMissing: process.argv.includes('--if-missing') });
}
