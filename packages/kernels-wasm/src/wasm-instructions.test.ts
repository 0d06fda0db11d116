import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const hasObjdump = spawnSync('llvm-objdump', ['--version']).status === 0;

/** Instructions of each function in the disassembly of a module in dist/, by function name. */
function functionBodies(file: string): Map<string, string> {
  const path = fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
  const listing = execFileSync('llvm-objdump', ['-d', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const bodies = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of listing.split('\n')) {
    const header = /^[0-9a-f]+ <(\w+)>:/.exec(line);
    if (header) {
      current = [];
      bodies.set(header[1]!, current);
    } else if (current !== undefined) {
      current.push(line);
    }
  }
  return new Map([...bodies].map(([name, lines]) => [name, lines.join('\n')]));
}

/** Joins the integer EXL2 product and the functions it calls that the compiler kept out of line. */
function integerProduct(bodies: Map<string, string>): string {
  return [...bodies]
    .filter(([name]) => name === 'exl2_matmul_quantized' || name.startsWith('quantized_tile'))
    .map(([, body]) => body)
    .join('\n');
}

// NOTE: llvm-objdump comes with Debian's `llvm` package, which the build also needs for the relaxed
// modules; without it this check is skipped.
describe.skipIf(!hasObjdump)('generated kernel instructions', () => {
  test.each([
    'minichat-kernels-shared.wasm',
    'minichat-kernels.wasm',
  ])('baseline EXL2 kernels of %s stay in SIMD', (file) => {
    const bodies = functionBodies(file);
    const integer = integerProduct(bodies);
    const exact = bodies.get('exl2_matmul_f32')!;
    expect(integer).toMatch(/i32x4\.dot_i16x8_s/);
    // clang 14 turns i16-to-f32 conversions into scalar code; neither kernel may contain it.
    expect(integer).not.toMatch(/f32\.convert_i32/);
    expect(exact).not.toMatch(/f32\.convert_i32/);
    expect(exact).toMatch(/f32x4\.mul/);
    // The baseline build must validate without relaxed SIMD.
    expect([...bodies.values()].join('\n')).not.toMatch(/fd 92 02/);
  });

  test.each([
    'minichat-kernels-shared-relaxed.wasm',
    'minichat-kernels-relaxed.wasm',
  ])('relaxed EXL2 kernels of %s use the 8-bit dot product', (file) => {
    const bodies = functionBodies(file);
    const integer = integerProduct(bodies);
    const exact = bodies.get('exl2_matmul_f32')!;
    // LLVM 14's disassembler does not know i16x8.relaxed_dot_i8x16_i7x16_s (0xfd 0x92 0x02).
    expect(integer).toMatch(/fd 92 02\s+<unknown>/);
    // Every placeholder was rewritten.
    expect([...bodies.values()].join('\n')).not.toMatch(/q15mulr/);
    expect(integer).not.toMatch(/f32\.convert_i32/);
    expect(exact).not.toMatch(/f32\.convert_i32/);
    expect(exact).toMatch(/f32x4\.mul/);
  });
});
