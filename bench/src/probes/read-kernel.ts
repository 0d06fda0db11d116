/**
 * A hand-assembled WebAssembly module for the memory read probe. Its one export,
 * `read(start, end) -> i64`, loads every 16-byte vector in `[start, end)` (64 bytes per loop iteration,
 * four independent accumulators) and returns the XOR of all of them folded to 64 bits, so no load can
 * be optimized away and the caller can check the result. It imports a shared memory `env.memory`, so
 * several worker threads can read one buffer. `end - start` must be a multiple of 64.
 */

/** Unsigned LEB128 encoding. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 encoding, which `i32.const` immediates use. */
function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...leb(bytes.length), ...bytes];
}

// Opcodes (WebAssembly core 2.0 and the fixed-width SIMD proposal).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i64Xor: 0x85,
  simd: 0xfd,
} as const;
const SIMD = { v128Load: 0x00, v128Xor: 0x51, i64x2ExtractLane: 0x1d } as const;
const TYPE = { i32: 0x7f, i64: 0x7e, v128: 0x7b, func: 0x60, blockVoid: 0x40 } as const;

/** Bytes each loop iteration reads. */
export const READ_KERNEL_STRIDE = 64;

/** Returns the binary of the read module. */
export function readKernelBinary(): Uint8Array<ArrayBuffer> {
  const start = 0;
  const end = 1;
  const accumulators = [2, 3, 4, 5];
  const body: number[] = [];
  body.push(OP.block, TYPE.blockVoid, OP.loop, TYPE.blockVoid);
  // Leave the block once start >= end.
  body.push(OP.localGet, start, OP.localGet, end, OP.i32GeU, OP.brIf, 1);
  accumulators.forEach((local, lane) => {
    // accumulator ^= v128.load(start + 16 * lane), alignment 2^4.
    body.push(OP.localGet, local, OP.localGet, start, OP.simd, ...leb(SIMD.v128Load), 4, ...leb(16 * lane));
    body.push(OP.simd, ...leb(SIMD.v128Xor), OP.localSet, local);
  });
  body.push(OP.localGet, start, OP.i32Const, ...signedLeb(READ_KERNEL_STRIDE), OP.i32Add, OP.localSet, start);
  body.push(OP.br, 0, OP.end, OP.end);
  // Fold the accumulators into one vector, then its two 64-bit lanes into one i64.
  body.push(OP.localGet, 2, OP.localGet, 3, OP.simd, ...leb(SIMD.v128Xor));
  body.push(OP.localGet, 4, OP.simd, ...leb(SIMD.v128Xor), OP.localGet, 5, OP.simd, ...leb(SIMD.v128Xor));
  body.push(OP.localSet, 2);
  body.push(OP.localGet, 2, OP.simd, ...leb(SIMD.i64x2ExtractLane), 0);
  body.push(OP.localGet, 2, OP.simd, ...leb(SIMD.i64x2ExtractLane), 1, OP.i64Xor, OP.end);
  const locals = [1, accumulators.length, TYPE.v128];
  const functionBody = [...locals, ...body];

  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, TYPE.func, 2, TYPE.i32, TYPE.i32, 1, TYPE.i64]),
    // Import env.memory: shared, 1 to 65536 pages (flags 0x03 = has maximum, shared).
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...leb(1), ...leb(65536)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('read'), 0x00, 0]),
    ...section(10, [1, ...leb(functionBody.length), ...functionBody]),
  ]);
}
