import { describe, expect, it } from 'vitest';
import { measureReadBandwidth } from './bandwidth.js';
import { readKernelBinary } from './read-kernel.js';

describe('readKernelBinary', () => {
  it('XORs every 64-bit word of the range', async () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true });
    const { instance } = await WebAssembly.instantiate(readKernelBinary(), { env: { memory } });
    const read = instance.exports.read as (start: number, end: number) => bigint;
    const words = new BigUint64Array(memory.buffer);
    let expected = 0n;
    for (let i = 0; i < words.length; i++) {
      words[i] = BigInt.asUintN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n);
      if (i >= 8 && i < words.length - 8) expected ^= words[i]!;
    }
    // Skip the first and last 64 bytes, so a loop that starts or stops one iteration off is caught.
    expect(BigInt.asUintN(64, read(64, memory.buffer.byteLength - 64))).toBe(expected);
  });

  it('reads nothing for an empty range', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const { instance } = await WebAssembly.instantiate(readKernelBinary(), { env: { memory } });
    new Uint8Array(memory.buffer).fill(0xff);
    expect((instance.exports.read as (start: number, end: number) => bigint)(128, 128)).toBe(0n);
  });
});

describe('measureReadBandwidth', () => {
  it('reports the bytes it read', async () => {
    const result = await measureReadBandwidth({ bytes: 8 * 2 ** 20, threads: 2, passes: 2 });
    expect(result.bytesRead).toBe(16 * 2 ** 20);
    expect(result.bytesPerSecond).toBeGreaterThan(0);
  });
});
