import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const hasObjdump = spawnSync('llvm-objdump', ['--version']).status === 0;
const wasmPath = fileURLToPath(new URL('../dist/minichat-kernels-shared.wasm', import.meta.url));

/** Instructions of each function in the disassembly, by function name. */
function functionBodies(): Map<string, string[]> {
  const listing = execFileSync('llvm-objdump', ['-d', wasmPath], { encoding: 'utf8', maxBuffer: 64 << 20 });
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
  return bodies;
}

// NOTE: llvm-objdump comes with Debian's `llvm` package, which a CI machine with only clang and lld
// lacks; there this check is skipped.
describe.skipIf(!hasObjdump)('generated kernel instructions', () => {
  test('EXL2 kernels stay in SIMD', () => {
    const bodies = functionBodies();
    const integer = bodies.get('exl2_matmul_quantized')!.join('\n');
    const exact = bodies.get('exl2_matmul_f32')!.join('\n');
    expect(integer).toMatch(/i32x4\.dot_i16x8_s/);
    // clang 14 turns i16-to-f32 conversions into scalar code; neither kernel may contain it.
    expect(integer).not.toMatch(/f32\.convert_i32/);
    expect(exact).not.toMatch(/f32\.convert_i32/);
    expect(exact).toMatch(/f32x4\.mul/);
  });
});
