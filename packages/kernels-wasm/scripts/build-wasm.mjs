#!/usr/bin/env node
// Compiles csrc/*.c into the four kernel modules in dist/: for a shared memory (threads) or a plain
// one (single thread, where SharedArrayBuffer is unavailable), each with baseline SIMD or with relaxed
// SIMD's 8-bit dot product. clang 14 cannot emit that instruction, so the relaxed builds write
// `i16x8.q15mulr_sat_s` in its place (see csrc/exl2_relaxed_tile.h) and this script rewrites it, finding
// each one with llvm-objdump.
// Usage: node scripts/build-wasm.mjs [--if-missing]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(packageDir, 'csrc');
const outputDir = join(packageDir, 'dist');

const SHARED_FLAGS = ['-matomics', '-mbulk-memory', '-Wl,--shared-memory'];
const RELAXED_FLAGS = ['-DMINICHAT_RELAXED_SIMD=1'];
/** Sources of one instruction set only. */
const BASELINE_ONLY = ['exl2_matmul.c'];
const RELAXED_ONLY = ['exl2_matmul_relaxed.c'];

/** Output file name, the flags that differ between the modules, and the sources each leaves out. */
export const WASM_VARIANTS = [
  { file: 'minichat-kernels-shared.wasm', flags: SHARED_FLAGS, exclude: RELAXED_ONLY, relaxed: false },
  { file: 'minichat-kernels.wasm', flags: [], exclude: RELAXED_ONLY, relaxed: false },
  {
    file: 'minichat-kernels-shared-relaxed.wasm',
    flags: [...SHARED_FLAGS, ...RELAXED_FLAGS],
    exclude: BASELINE_ONLY,
    relaxed: true,
  },
  { file: 'minichat-kernels-relaxed.wasm', flags: RELAXED_FLAGS, exclude: BASELINE_ONLY, relaxed: true },
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

/** Reads an unsigned LEB128 number; returns it and the offset after it. */
function readLeb(bytes, offset) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, offset];
}

/** File offset of the first byte of the code section's contents, which llvm-objdump's offsets count from. */
function codeSectionStart(bytes) {
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset];
    const [size, contents] = readLeb(bytes, offset + 1);
    if (id === 10) return contents;
    offset = contents + size;
  }
  throw new Error('the module has no code section');
}

/**
 * Rewrites every `i16x8.q15mulr_sat_s` (0xfd 0x82 0x01) of a module into
 * `i16x8.relaxed_dot_i8x16_i7x16_s` (0xfd 0x92 0x02). Both take two v128 operands and encode in three
 * bytes, so no other offset moves. Returns how many it rewrote.
 */
function patchRelaxedDot(file) {
  let listing;
  try {
    listing = execFileSync('llvm-objdump', ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (error) {
    const reason = error && error.code === 'ENOENT' ? 'llvm-objdump was not found on PATH' : String(error);
    throw new Error(
      `Failed to disassemble ${file} (${reason}). Install LLVM's tools (Debian: apt-get install llvm) and ` +
        'run `pnpm --filter @minichat/kernels-wasm build`.',
      { cause: error },
    );
  }
  const bytes = new Uint8Array(readFileSync(file));
  const start = codeSectionStart(bytes);
  let count = 0;
  for (const line of listing.split('\n')) {
    const match = /^\s*([0-9a-f]+):\s+fd 82 01\s+i16x8\.q15mulr_sat_s\b/.exec(line);
    if (!match) continue;
    const at = start + Number.parseInt(match[1], 16);
    if (bytes[at] !== 0xfd || bytes[at + 1] !== 0x82 || bytes[at + 2] !== 0x01) {
      throw new Error(`${file}: llvm-objdump places q15mulr at byte ${at}, but the bytes differ`);
    }
    bytes[at + 1] = 0x92;
    bytes[at + 2] = 0x02;
    count++;
  }
  if (count === 0) throw new Error(`${file}: found no dot product to rewrite`);
  writeFileSync(file, bytes);
  return count;
}

export function buildWasm({ ifMissing = false } = {}) {
  mkdirSync(outputDir, { recursive: true });
  const cFiles = sources().filter((file) => file.endsWith('.c'));
  for (const variant of WASM_VARIANTS) {
    const output = join(outputDir, variant.file);
    if (ifMissing && isUpToDate(output)) continue;
    const files = cFiles.filter((file) => !variant.exclude.some((name) => file.endsWith(`/${name}`)));
    try {
      execFileSync('clang', [...COMMON_FLAGS, ...variant.flags, '-o', output, ...files], {
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
    if (variant.relaxed) patchRelaxedDot(output);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildWasm({ ifMissing: process.argv.includes('--if-missing') });
}
