import { DTYPE_BYTES, type SafetensorsDtype } from '../dtype.js';
import { InvalidOptionError } from '../errors.js';

/** Destination of a streaming write, such as a file handle or a `WritableStream` writer. */
export interface ByteSink {
  /** Appends bytes; the writer awaits each call before the next, so memory use stays bounded. */
  write(chunk: Uint8Array): Promise<void> | void;
}

/** Tensor bytes, or a function that produces them when the writer reaches the tensor. */
export type TensorData = ArrayBufferView | (() => ArrayBufferView | Promise<ArrayBufferView>);

/** One tensor to write. */
export interface TensorToWrite {
  /** Tensor name. */
  name: string;
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Shape, outermost dimension first. */
  shape: readonly number[];
  /** Little-endian data, or a producer called once, in write order, so data can be made lazily. */
  data: TensorData;
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** `__metadata__` string map. Default: none written. */
  metadata?: Record<string, string>;
  /** Aborts between tensors. Default: none. */
  signal?: AbortSignal;
  /** Called after each tensor is written, with its position in the list. Default: none. */
  onTensor?: (event: { tensor: string; index: number; count: number }) => void;
}

/** Result of {@link writeSafetensors}. */
export interface WriteSafetensorsResult {
  /** Total bytes written. */
  bytesWritten: number;
  /** Bytes of the JSON header including its padding (without the 8-byte prefix). */
  headerLength: number;
}

/** A safetensors header ready to write. */
export interface EncodedSafetensorsHeader {
  /** The 8-byte length prefix followed by the padded JSON header. */
  bytes: Uint8Array;
  /** Total bytes of tensor data that must follow the header. */
  dataLength: number;
}

/** Returns the byte length a tensor of this dtype and shape occupies. */
export function tensorByteLength(dtype: SafetensorsDtype, shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1) * DTYPE_BYTES[dtype];
}

/**
 * Builds the 8-byte length prefix and space-padded JSON header for tensors laid out back to back
 * in the given order. The header is padded to a multiple of 8 bytes so the data stays aligned.
 */
export function encodeSafetensorsHeader(
  tensors: readonly Pick<TensorToWrite, 'name' | 'dtype' | 'shape'>[],
  metadata?: Record<string, string>,
): EncodedSafetensorsHeader {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    if (tensor.name === '__metadata__' || Object.hasOwn(header, tensor.name)) {
      throw new InvalidOptionError(
        `Tensor name ${tensor.name} is reserved or used twice; tensor names must be unique.`,
        {
          tensor: tensor.name,
        },
      );
    }
    if (!tensor.shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
      throw new InvalidOptionError(
        `Tensor ${tensor.name} has invalid shape [${tensor.shape.join(', ')}]; use non-negative integers.`,
        {
          tensor: tensor.name,
        },
      );
    }
    const length = tensorByteLength(tensor.dtype, tensor.shape);
    header[tensor.name] = {
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      data_offsets: [offset, offset + length],
    };
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  return { bytes, dataLength: offset };
}

/**
 * Writes a safetensors file to a sink, one tensor at a time. Tensors whose `data` is a function
 * are produced only when reached, so a caller can quantize layer by layer while writing.
 */
export async function writeSafetensors(
  sink: ByteSink,
  tensors: readonly TensorToWrite[],
  options: WriteSafetensorsOptions = {},
): Promise<WriteSafetensorsResult> {
  const { bytes: header } = encodeSafetensorsHeader(tensors, options.metadata);
  await sink.write(header);
  let bytesWritten = header.byteLength;
  for (const [index, tensor] of tensors.entries()) {
    options.signal?.throwIfAborted();
    const view = typeof tensor.data === 'function' ? await tensor.data() : tensor.data;
    const expected = tensorByteLength(tensor.dtype, tensor.shape);
    if (view.byteLength !== expected) {
      throw new InvalidOptionError(
        `Tensor ${tensor.name} has ${view.byteLength} bytes of data but dtype ${tensor.dtype} and shape [${tensor.shape.join(', ')}] need ${expected}.`,
        { tensor: tensor.name, expected: `${expected} bytes`, actual: `${view.byteLength} bytes` },
      );
    }
    await sink.write(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    bytesWritten += view.byteLength;
    options.onTensor?.({ tensor: tensor.name, index, count: tensors.length });
  }
  return { bytesWritten, headerLength: header.byteLength - 8 };
}
