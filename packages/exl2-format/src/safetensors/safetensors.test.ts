import { describe, expect, it } from 'vitest';
import { bytesSource } from '../byte-source.js';
import { InvalidOptionError, SafetensorsHeaderError } from '../errors.js';
import { MAX_HEADER_BYTES, MAX_TENSOR_COUNT, MAX_TENSOR_NAME_LENGTH, MAX_TENSOR_RANK } from '../limits.js';
import { rawSafetensors, safetensorsBytes } from '../test-utils/memory.js';
import { readSafetensorsHeader } from './header.js';
import { bytesAsTypedArray, openSafetensors } from './reader.js';

const open = (bytes: Uint8Array) => openSafetensors(bytesSource(bytes, 'test.safetensors'));
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

describe('safetensors reader', () => {
  it('reads a hand-built file', async () => {
    const data = new Uint8Array([...f32([1, 2, 3, 4, 5, 6]), 0x00, 0x3c, 0x00, 0xc0]);
    const header = {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      b: { dtype: 'F16', shape: [2], data_offsets: [24, 28] },
    };
    const file = await open(rawSafetensors(header, data));
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.tensors.get('a')).toMatchObject({ dtype: 'F32', shape: [2, 3], byteLength: 24 });
    expect([...bytesAsTypedArray(await file.readTensorBytes('a'), 'F32')]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...bytesAsTypedArray(await file.readTensorBytes('b'), 'F16')]).toEqual([0x3c00, 0xc000]);
    await expect(file.readTensorBytes('c')).rejects.toThrow(
      /Tensor c is not in test.safetensors. Tensors: a, b/,
    );
  });

  it('accepts a file without metadata and with a zero-size tensor', async () => {
    const file = await open(rawSafetensors({ empty: { dtype: 'I32', shape: [0, 4], data_offsets: [0, 0] } }));
    expect(file.metadata).toBeUndefined();
    expect(file.tensors.get('empty')?.byteLength).toBe(0);
  });

  it('round-trips through the writer with 8-byte alignment', async () => {
    const bytes = await safetensorsBytes(
      [
        { name: 'x', dtype: 'I16', shape: [3], data: new Int16Array([1, -2, 3]) },
        { name: 'y', dtype: 'F32', shape: [1], data: () => new Float32Array([0.5]) },
      ],
      { source: 'test' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const file = await open(bytes);
    expect(file.metadata).toEqual({ source: 'test' });
    expect([...bytesAsTypedArray(await file.readTensorBytes('x'), 'I16')]).toEqual([1, -2, 3]);
    expect([...bytesAsTypedArray(await file.readTensorBytes('y'), 'F32')]).toEqual([0.5]);
  });

  it('rejects data that does not match the declared shape', async () => {
    const write = safetensorsBytes([{ name: 'x', dtype: 'F32', shape: [2], data: new Float32Array(3) }]);
    await expect(write).rejects.toThrow(InvalidOptionError);
    await expect(write).rejects.toThrow(/x has 12 bytes of data but dtype F32 and shape \[2\] need 8/);
  });
});

describe('safetensors header limits', () => {
  const expectHeaderError = async (
    bytes: Uint8Array,
    pattern: RegExp,
    fields: Record<string, string> = {},
  ) => {
    const promise = readSafetensorsHeader(bytesSource(bytes, 'bad.safetensors'));
    await expect(promise).rejects.toBeInstanceOf(SafetensorsHeaderError);
    await expect(promise).rejects.toThrow(pattern);
    await expect(promise).rejects.toMatchObject(fields);
  };

  it('rejects a file shorter than the prefix', async () => {
    await expectHeaderError(new Uint8Array(5), /shorter than the 8-byte header length prefix/, {
      actual: '5 bytes',
    });
  });

  it('rejects a header length above the limit', async () => {
    await expectHeaderError(
      rawSafetensors({}, undefined, MAX_HEADER_BYTES + 1),
      /exceeds the limit of 100000000 bytes/,
    );
  });

  it('rejects a header length beyond the file', async () => {
    await expectHeaderError(rawSafetensors({}, undefined, 1000), /header length 1000 runs past the end/);
  });

  it('rejects invalid JSON and non-objects', async () => {
    await expectHeaderError(rawSafetensors('{"a": '), /not valid UTF-8 JSON/);
    await expectHeaderError(rawSafetensors('[1, 2]'), /header JSON is not an object/);
  });

  it('rejects an unknown dtype', async () => {
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'F4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /t has unknown dtype "F4"/,
      {
        tensor: 't',
      },
    );
  });

  it('rejects bad shapes', async () => {
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }),
      /invalid dimension -1/,
    );
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'U8', shape: [1.5], data_offsets: [0, 0] } }),
      /invalid dimension 1.5/,
    );
    const deep = new Array(MAX_TENSOR_RANK + 1).fill(1);
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'U8', shape: deep, data_offsets: [0, 1] } }, new Uint8Array(1)),
      /at most 8 dimensions/,
    );
  });

  it('rejects offsets outside the data section', async () => {
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      /lie outside the 8-byte data section/,
      {
        tensor: 't',
        actual: '[0, 16]',
      },
    );
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, new Uint8Array(8)),
      /lie outside/,
    );
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(8)),
      /must be two non-negative integers/,
    );
  });

  it('rejects a byte length that disagrees with the shape', async () => {
    await expectHeaderError(
      rawSafetensors({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /needs 12 bytes but data_offsets span 8/,
      {
        expected: '12 bytes',
        actual: '8 bytes',
      },
    );
  });

  it('rejects overlapping tensors', async () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    await expectHeaderError(rawSafetensors(header, new Uint8Array(12)), /tensor b overlaps tensor a/, {
      tensor: 'b',
    });
  });

  it('rejects a name longer than the limit', async () => {
    const name = 'n'.repeat(MAX_TENSOR_NAME_LENGTH + 1);
    await expectHeaderError(
      rawSafetensors({ [name]: { dtype: 'U8', shape: [0], data_offsets: [0, 0] } }),
      /name of 1025 characters exceeds the limit/,
    );
  });

  it('rejects more tensors than the limit', async () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i < MAX_TENSOR_COUNT + 1; i++)
      header[`t${i}`] = { dtype: 'U8', shape: [0], data_offsets: [0, 0] };
    await expectHeaderError(rawSafetensors(header), /more than the limit of 200000 tensors/);
  });

  it('rejects metadata that is not a string map', async () => {
    await expectHeaderError(rawSafetensors({ __metadata__: { a: 1 } }), /__metadata__.a is not a string/);
  });
});
