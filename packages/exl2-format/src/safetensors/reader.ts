import type { ByteSource } from '../byte-source.js';
import { DTYPE_BYTES, type SafetensorsDtype } from '../dtype.js';
import { listChoices, NotFoundError } from '../errors.js';
import { readSafetensorsHeader, type TensorInfo } from './header.js';

/** An open safetensors file: its validated header and range reads of single tensors. */
export interface SafetensorsFile {
  /** The byte source the file is read from. */
  readonly source: ByteSource;
  /** Tensors by name. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** `__metadata__` string map, when present. */
  readonly metadata: Record<string, string> | undefined;
  /** Reads the raw little-endian bytes of one tensor. */
  readTensorBytes(name: string, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Options of {@link openSafetensors}. */
export interface OpenSafetensorsOptions {
  /** Aborts the header read. Default: none. */
  signal?: AbortSignal;
}

/** Reads the header of a safetensors file; tensor data is read later, one range per tensor. */
export async function openSafetensors(
  source: ByteSource,
  options: OpenSafetensorsOptions = {},
): Promise<SafetensorsFile> {
  const header = await readSafetensorsHeader(source, options.signal);
  const tensors = new Map(header.tensors.map((tensor) => [tensor.name, tensor]));
  return {
    source,
    tensors,
    metadata: header.metadata,
    async readTensorBytes(name, signal) {
      const info = tensors.get(name);
      if (!info) {
        throw new NotFoundError(
          `Tensor ${name} is not in ${source.name ?? 'the file'}. Tensors: ${listChoices([...tensors.keys()])}.`,
          {
            file: source.name,
            tensor: name,
          },
        );
      }
      return source.read(info.byteOffset, info.byteLength, signal);
    },
  };
}

/** The typed array {@link bytesAsTypedArray} returns for a dtype (fp16 and bf16 as raw `Uint16Array` bits). */
export type TypedArrayFor<D extends SafetensorsDtype> = D extends 'F32'
  ? Float32Array
  : D extends 'F64'
    ? Float64Array
    : D extends 'F16' | 'BF16' | 'U16'
      ? Uint16Array
      : D extends 'I16'
        ? Int16Array
        : D extends 'I32'
          ? Int32Array
          : D extends 'U32'
            ? Uint32Array
            : Uint8Array;

/**
 * Views little-endian tensor bytes as the typed array of `dtype` (fp16 and bf16 as raw
 * `Uint16Array` bits). Copies only when the bytes are not aligned for that array type.
 */
// NOTE: typed arrays use the host byte order; every platform that runs this code is little-endian.
export function bytesAsTypedArray<D extends SafetensorsDtype>(bytes: Uint8Array, dtype: D): TypedArrayFor<D> {
  const size = DTYPE_BYTES[dtype];
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const count = aligned.byteLength / size;
  const { buffer, byteOffset } = aligned;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, byteOffset, count) as TypedArrayFor<D>;
    case 'F64':
      return new Float64Array(buffer, byteOffset, count) as TypedArrayFor<D>;
    case 'F16':
    case 'BF16':
    case 'U16':
      return new Uint16Array(buffer, byteOffset, count) as TypedArrayFor<D>;
    case 'I16':
      return new Int16Array(buffer, byteOffset, count) as TypedArrayFor<D>;
    case 'I32':
      return new Int32Array(buffer, byteOffset, count) as TypedArrayFor<D>;
    case 'U32':
      return new Uint32Array(buffer, byteOffset, count) as TypedArrayFor<D>;
    default:
      return aligned as TypedArrayFor<D>;
  }
}
