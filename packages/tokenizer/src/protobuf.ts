import { TokenizerFormatError } from './errors.js';

/** Protobuf wire types used by SentencePiece's ModelProto. */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** One field of a protobuf message as read from the wire. */
export interface ProtoField {
  fieldNumber: number;
  wireType: number;
  /** Value of a varint field, as a bigint so 64-bit values survive. */
  varint: bigint;
  /** Payload of a length-delimited field, or the 4 or 8 raw bytes of a fixed field. */
  bytes: Uint8Array;
  /** Offset of the field's tag in the message buffer. */
  start: number;
  /** Offset just past the field. */
  end: number;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Reads the fields of one protobuf message in order. Each field is checked against the end of the
 * buffer before it is read, so a truncated message fails with a TokenizerFormatError naming `path`.
 */
export function* readProtoFields(buffer: Uint8Array, path: string, baseOffset = 0): Generator<ProtoField> {
  let offset = 0;
  while (offset < buffer.length) {
    const start = offset;
    const [tag, afterTag] = readVarint(buffer, offset, path, baseOffset);
    offset = afterTag;
    const fieldNumber = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (fieldNumber === 0) {
      throw new TokenizerFormatError(
        'sentencepiece-model',
        path,
        0,
        'has a field number 0, which protobuf forbids',
        {
          offset: baseOffset + start,
        },
      );
    }
    let varint = 0n;
    let bytes: Uint8Array = EMPTY;
    if (wireType === WireType.varint) {
      [varint, offset] = readVarint(buffer, offset, `${path}.${fieldNumber}`, baseOffset);
    } else if (wireType === WireType.lengthDelimited) {
      const [length, afterLength] = readVarint(buffer, offset, `${path}.${fieldNumber}`, baseOffset);
      if (length > BigInt(buffer.length - afterLength)) {
        throw truncated(`${path}.${fieldNumber}`, length, baseOffset + afterLength);
      }
      bytes = buffer.subarray(afterLength, afterLength + Number(length));
      offset = afterLength + Number(length);
    } else if (wireType === WireType.fixed32 || wireType === WireType.fixed64) {
      const size = wireType === WireType.fixed32 ? 4 : 8;
      if (offset + size > buffer.length) throw truncated(`${path}.${fieldNumber}`, size, baseOffset + offset);
      bytes = buffer.subarray(offset, offset + size);
      offset += size;
    } else {
      throw new TokenizerFormatError(
        'sentencepiece-model',
        `${path}.${fieldNumber}`,
        wireType,
        'has an unknown or unsupported protobuf wire type (groups are not used by ModelProto)',
        { offset: baseOffset + start },
      );
    }
    yield { fieldNumber, wireType, varint, bytes, start, end: offset };
  }
}

function truncated(field: string, length: number | bigint, offset: number): TokenizerFormatError {
  return new TokenizerFormatError(
    'sentencepiece-model',
    field,
    typeof length === 'bigint' ? Number(length) : length,
    'runs past the end of its message; the file is truncated or corrupt',
    { offset },
  );
}

function readVarint(buffer: Uint8Array, offset: number, field: string, baseOffset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (offset >= buffer.length) throw truncated(field, buffer.length - offset, baseOffset + offset);
    const byte = buffer[offset++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, offset];
    shift += 7n;
  }
  throw new TokenizerFormatError(
    'sentencepiece-model',
    field,
    undefined,
    'is a varint longer than 10 bytes',
    {
      offset: baseOffset + offset,
    },
  );
}

const EMPTY = new Uint8Array(0);

/** Decodes a varint as a signed 32-bit integer, the way protobuf stores `int32` (negative values use 10 bytes). */
export function varintToInt32(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

/** Decodes the 4 bytes of a `float` field (little-endian IEEE 754). */
export function fixed32ToFloat(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

/** Decodes a `string` field, rejecting invalid UTF-8. */
export function bytesToString(bytes: Uint8Array, field: string, offset: number): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (error) {
    throw new TokenizerFormatError('sentencepiece-model', field, bytes, 'is not valid UTF-8', {
      offset,
      cause: error,
    });
  }
}

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  private buffer = new Uint8Array(1024);
  private length = 0;

  /** Writes a varint field; negative numbers use the 10-byte two's complement form, as protobuf `int32` does. */
  varint(fieldNumber: number, value: number | bigint | boolean): void {
    this.tag(fieldNumber, WireType.varint);
    let big: bigint;
    if (typeof value === 'boolean') big = value ? 1n : 0n;
    else big = BigInt(value);
    this.rawVarint(BigInt.asUintN(64, big));
  }

  /** Writes a `float` field. */
  float(fieldNumber: number, value: number): void {
    this.tag(fieldNumber, WireType.fixed32);
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
  }

  /** Writes a length-delimited field (string, bytes or embedded message). */
  bytes(fieldNumber: number, value: Uint8Array | string): void {
    const payload = typeof value === 'string' ? utf8Encoder.encode(value) : value;
    this.tag(fieldNumber, WireType.lengthDelimited);
    this.rawVarint(BigInt(payload.length));
    this.raw(payload);
  }

  /** Appends bytes that already hold complete encoded fields. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Returns the bytes written so far. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private tag(fieldNumber: number, wireType: number): void {
    this.rawVarint(BigInt(fieldNumber * 8 + wireType));
  }

  private rawVarint(value: bigint): void {
    this.reserve(10);
    let rest = value;
    while (rest >= 0x80n) {
      this.buffer[this.length++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.length++] = Number(rest);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
