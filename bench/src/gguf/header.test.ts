import { describe, expect, it } from 'vitest';
import { GgufWriteError } from '../errors.js';
import { encodeGgufHeader, ggmlTensorBytes } from './header.js';

function u64(view: DataView, at: number): number {
  return Number(view.getBigUint64(at, true));
}

describe('encodeGgufHeader', () => {
  it('lays out one key and two tensors', () => {
    const { header, offsets, byteLengths, alignment } = encodeGgufHeader(
      [{ key: 'general.architecture', type: 'string', value: 'llama' }],
      [
        { name: 'a', type: 'F32', dims: [3] },
        { name: 'b', type: 'Q4_0', dims: [32, 2] },
      ],
    );
    const view = new DataView(header.buffer);
    expect(new TextDecoder().decode(header.subarray(0, 4))).toBe('GGUF');
    expect(view.getUint32(4, true)).toBe(3);
    expect(u64(view, 8)).toBe(2); // tensors
    expect(u64(view, 16)).toBe(1); // metadata entries
    // Key: u64 length 20, the bytes, u32 type 8 (string), u64 length 5, "llama".
    expect(u64(view, 24)).toBe(20);
    expect(new TextDecoder().decode(header.subarray(32, 52))).toBe('general.architecture');
    expect(view.getUint32(52, true)).toBe(8);
    expect(u64(view, 56)).toBe(5);
    expect(new TextDecoder().decode(header.subarray(64, 69))).toBe('llama');
    // Tensor a: name, 1 dimension of 3, type 0 (F32), offset 0.
    expect(u64(view, 69)).toBe(1);
    expect(header[77]).toBe('a'.charCodeAt(0));
    expect(view.getUint32(78, true)).toBe(1);
    expect(u64(view, 82)).toBe(3);
    expect(view.getUint32(90, true)).toBe(0);
    expect(u64(view, 94)).toBe(0);
    // Tensor b: 2 dimensions, type 2 (Q4_0), offset 12 bytes rounded up to 32.
    expect(view.getUint32(111, true)).toBe(2);
    expect(u64(view, 115)).toBe(32);
    expect(u64(view, 123)).toBe(2);
    expect(view.getUint32(131, true)).toBe(2);
    expect(u64(view, 135)).toBe(32);
    expect(offsets).toEqual([0, 32]);
    // 2 blocks of 18 bytes.
    expect(byteLengths).toEqual([12, 36]);
    expect(alignment).toBe(32);
    expect(header.length).toBe(160); // 143 bytes padded to a multiple of 32
  });

  it('honours general.alignment', () => {
    const layout = encodeGgufHeader(
      [{ key: 'general.alignment', type: 'u32', value: 64 }],
      [
        { name: 'a', type: 'F16', dims: [2] },
        { name: 'b', type: 'F16', dims: [2] },
      ],
    );
    expect(layout.offsets).toEqual([0, 64]);
    expect(layout.header.length % 64).toBe(0);
  });

  it('rejects duplicate keys', () => {
    const entry = { key: 'x', type: 'u32', value: 1 } as const;
    expect(() => encodeGgufHeader([entry, entry], [])).toThrow(/appears twice/);
  });

  it('rejects integers out of range', () => {
    expect(() => encodeGgufHeader([{ key: 'x', type: 'u32', value: -1 }], [])).toThrow(GgufWriteError);
    expect(() => encodeGgufHeader([{ key: 'x', type: 'u8', value: 256 }], [])).toThrow(/not a u8/);
  });

  it('rejects a non-power-of-two alignment', () => {
    expect(() => encodeGgufHeader([{ key: 'general.alignment', type: 'u32', value: 48 }], [])).toThrow(
      /power of two/,
    );
  });
});

describe('ggmlTensorBytes', () => {
  it('sizes each type', () => {
    expect(ggmlTensorBytes({ name: 't', type: 'F32', dims: [5, 2] })).toBe(40);
    expect(ggmlTensorBytes({ name: 't', type: 'F16', dims: [5, 2] })).toBe(20);
    expect(ggmlTensorBytes({ name: 't', type: 'Q4_0', dims: [64, 3] })).toBe(6 * 18);
    expect(ggmlTensorBytes({ name: 't', type: 'Q8_0', dims: [64, 3] })).toBe(6 * 34);
  });

  it('rejects partial blocks and bad dimensions', () => {
    expect(() => ggmlTensorBytes({ name: 't', type: 'Q8_0', dims: [48] })).toThrow(
      /multiple of the Q8_0 block/,
    );
    expect(() => ggmlTensorBytes({ name: 't', type: 'F32', dims: [] })).toThrow(/1 to 4 positive/);
    expect(() => ggmlTensorBytes({ name: 't', type: 'F32', dims: [0] })).toThrow(/1 to 4 positive/);
  });
});
