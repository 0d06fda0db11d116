import { GgufWriteError } from '../errors.js';
import {
  GGML_BLOCK,
  GGML_TYPE,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPE,
  GGUF_VERSION,
  type GgmlType,
  type GgufMetadataEntry,
  type GgufScalarType,
} from './types.js';

/** One tensor to write: its name, ggml type and dimensions in ggml order (`ne[0]` is the contiguous one). */
export interface GgufTensorInfo {
  /** Tensor name, such as `blk.0.attn_q.weight`. */
  name: string;
  /** Storage type. */
  type: GgmlType;
  /** Dimensions, innermost first: a PyTorch `[out, in]` matrix is `[in, out]` here. */
  dims: readonly number[];
}

/** Byte offsets the header assigns, relative to the start of the tensor data section. */
export interface GgufLayout {
  /** The encoded header, metadata, tensor infos and the padding up to the data section. */
  header: Uint8Array;
  /** Offset of each tensor in the data section, in input order. */
  offsets: number[];
  /** Byte length of each tensor's data, in input order. */
  byteLengths: number[];
  /** Alignment used for the data section and each tensor. */
  alignment: number;
}

/** A growable little-endian byte buffer. */
class ByteWriter {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  u64(value: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  scalar(type: GgufScalarType, value: number | bigint | boolean | string, subject: string): void {
    switch (type) {
      case 'string': {
        const encoded = new TextEncoder().encode(String(value));
        this.u64(encoded.length);
        this.raw(encoded);
        return;
      }
      case 'bool':
        this.reserve(1);
        this.bytes[this.length++] = value ? 1 : 0;
        return;
      case 'u64':
      case 'i64': {
        this.reserve(8);
        const big = BigInt(value as number | bigint);
        if (type === 'u64') this.view.setBigUint64(this.length, big, true);
        else this.view.setBigInt64(this.length, big, true);
        this.length += 8;
        return;
      }
      default: {
        const number = Number(value);
        checkRange(type, number, subject);
        const size = SCALAR_BYTES[type];
        this.reserve(size);
        const at = this.length;
        if (type === 'u8') this.view.setUint8(at, number);
        else if (type === 'i8') this.view.setInt8(at, number);
        else if (type === 'u16') this.view.setUint16(at, number, true);
        else if (type === 'i16') this.view.setInt16(at, number, true);
        else if (type === 'u32') this.view.setUint32(at, number, true);
        else if (type === 'i32') this.view.setInt32(at, number, true);
        else if (type === 'f32') this.view.setFloat32(at, number, true);
        else this.view.setFloat64(at, number, true);
        this.length += size;
      }
    }
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.bytes.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

const SCALAR_BYTES = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 } as const;

const INTEGER_RANGES: Partial<Record<GgufScalarType, [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

function checkRange(type: GgufScalarType, value: number, subject: string): void {
  const range = INTEGER_RANGES[type];
  if (range && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) {
    throw new GgufWriteError(
      `Metadata ${subject} has value ${value}, which is not a ${type} (range ${range[0]}..${range[1]}); ` +
        'pick a wider type or fix the value.',
      subject,
    );
  }
}

/** Returns the byte length of a tensor's data, checking that its row length fills whole blocks. */
export function ggmlTensorBytes(tensor: GgufTensorInfo): number {
  const block = GGML_BLOCK[tensor.type];
  if (block === undefined) {
    throw new GgufWriteError(
      `Tensor ${tensor.name} has unknown type ${JSON.stringify(tensor.type)}; use one of ${Object.keys(GGML_TYPE).join(', ')}.`,
      tensor.name,
    );
  }
  if (
    tensor.dims.length < 1 ||
    tensor.dims.length > 4 ||
    tensor.dims.some((d) => !Number.isInteger(d) || d < 1)
  ) {
    throw new GgufWriteError(
      `Tensor ${tensor.name} has dimensions [${tensor.dims.join(', ')}]; GGUF needs 1 to 4 positive integers.`,
      tensor.name,
    );
  }
  if (tensor.dims[0]! % block.values !== 0) {
    throw new GgufWriteError(
      `Tensor ${tensor.name} has rows of ${tensor.dims[0]} values, not a multiple of the ${tensor.type} block ` +
        `size ${block.values}; store it as F32 or F16 instead.`,
      tensor.name,
    );
  }
  const count = tensor.dims.reduce((product, d) => product * d, 1);
  return (count / block.values) * block.bytes;
}

/**
 * Encodes a GGUF v3 header: magic, version, counts, the metadata key-value pairs, the tensor infos with
 * their aligned data offsets, and the zero padding up to the data section. The alignment is the value of
 * a `general.alignment` entry when there is one, else 32.
 */
export function encodeGgufHeader(
  metadata: readonly GgufMetadataEntry[],
  tensors: readonly GgufTensorInfo[],
): GgufLayout {
  const alignmentEntry = metadata.find((entry) => entry.key === 'general.alignment');
  const alignment = alignmentEntry ? Number(alignmentEntry.value) : GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufWriteError(
      `general.alignment is ${alignment}; GGUF needs a power of two (32 is the default).`,
      'general.alignment',
    );
  }
  const keys = new Set<string>();
  const out = new ByteWriter();
  out.raw(new TextEncoder().encode(GGUF_MAGIC));
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.length);

  for (const entry of metadata) {
    if (keys.has(entry.key)) {
      throw new GgufWriteError(
        `Metadata key ${entry.key} appears twice; GGUF keys must be unique.`,
        entry.key,
      );
    }
    keys.add(entry.key);
    out.scalar('string', entry.key, entry.key);
    out.u32(GGUF_VALUE_TYPE[entry.type]);
    if (entry.type !== 'array') {
      out.scalar(entry.type, entry.value, entry.key);
      continue;
    }
    out.u32(GGUF_VALUE_TYPE[entry.itemType]);
    out.u64(entry.value.length);
    for (let i = 0; i < entry.value.length; i++) out.scalar(entry.itemType, entry.value[i]!, entry.key);
  }

  const names = new Set<string>();
  const offsets: number[] = [];
  const byteLengths: number[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    if (names.has(tensor.name)) {
      throw new GgufWriteError(
        `Tensor ${tensor.name} appears twice; tensor names must be unique.`,
        tensor.name,
      );
    }
    names.add(tensor.name);
    const bytes = ggmlTensorBytes(tensor);
    out.scalar('string', tensor.name, tensor.name);
    out.u32(tensor.dims.length);
    for (const d of tensor.dims) out.u64(d);
    out.u32(GGML_TYPE[tensor.type]);
    out.u64(offset);
    offsets.push(offset);
    byteLengths.push(bytes);
    offset += bytes + ((alignment - (bytes % alignment)) % alignment);
  }
  out.padTo(alignment);
  return { header: out.result(), offsets, byteLengths, alignment };
}
