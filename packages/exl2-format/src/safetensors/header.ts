import type { ByteSource } from '../byte-source.js';
import { DTYPE_BYTES, isSafetensorsDtype, type SafetensorsDtype } from '../dtype.js';
import { SafetensorsHeaderError } from '../errors.js';
import { MAX_HEADER_BYTES, MAX_TENSOR_COUNT, MAX_TENSOR_NAME_LENGTH, MAX_TENSOR_RANK } from '../limits.js';

/** One tensor entry of a safetensors header, with its absolute position in the file. */
export interface TensorInfo {
  /** Tensor name. */
  name: string;
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Shape, outermost dimension first. */
  shape: number[];
  /** Absolute byte offset of the tensor data in the file. */
  byteOffset: number;
  /** Byte length of the tensor data (elements × dtype size). */
  byteLength: number;
}

/** Parsed safetensors header. */
export interface SafetensorsHeader {
  /** Tensors in file order (by offset). */
  tensors: TensorInfo[];
  /** `__metadata__` string map, when present. */
  metadata?: Record<string, string>;
  /** Absolute offset of the data section (8 + header length). */
  dataOffset: number;
}

const PREFIX_BYTES = 8;

type Fail = (message: string, fields?: { tensor?: string; expected?: string; actual?: string }) => never;

/**
 * Reads and validates the header of a safetensors file: header length within the file and
 * {@link MAX_HEADER_BYTES}, known dtypes, non-negative integer shapes, and data offsets that lie
 * inside the file, do not overlap and match shape × dtype size.
 */
export async function readSafetensorsHeader(
  source: ByteSource,
  signal?: AbortSignal,
): Promise<SafetensorsHeader> {
  const file = source.name;
  const fail: Fail = (message, fields = {}) => {
    throw new SafetensorsHeaderError(`${file ?? 'safetensors file'}: ${message}`, { file, ...fields });
  };

  if (source.size < PREFIX_BYTES) {
    fail(
      `file is ${source.size} bytes, shorter than the 8-byte header length prefix. The file is truncated.`,
      {
        expected: '>= 8 bytes',
        actual: `${source.size} bytes`,
      },
    );
  }
  const prefix = await source.read(0, PREFIX_BYTES, signal);
  const view = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) {
    fail(
      `header length ${headerLength} exceeds the limit of ${MAX_HEADER_BYTES} bytes. This is not a safetensors file or it is corrupt.`,
      {
        expected: `<= ${MAX_HEADER_BYTES}`,
        actual: String(headerLength),
      },
    );
  }
  if (PREFIX_BYTES + headerLength > source.size) {
    fail(
      `header length ${headerLength} runs past the end of the ${source.size}-byte file. The file is truncated.`,
      {
        expected: `<= ${source.size - PREFIX_BYTES}`,
        actual: String(headerLength),
      },
    );
  }

  const headerBytes = await source.read(PREFIX_BYTES, headerLength, signal);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new SafetensorsHeaderError(
      `${file ?? 'safetensors file'}: header is not valid UTF-8 JSON (${String(error)}).`,
      {
        file,
        cause: error,
      },
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    fail('header JSON is not an object.', {
      expected: 'object',
      actual: Array.isArray(json) ? 'array' : typeof json,
    });
  }

  const dataOffset = PREFIX_BYTES + headerLength;
  const dataLength = source.size - dataOffset;
  const entries = Object.entries(json as Record<string, unknown>);
  const tensorCount = entries.length - (Object.hasOwn(json as object, '__metadata__') ? 1 : 0);
  if (tensorCount > MAX_TENSOR_COUNT) {
    fail(`header lists ${tensorCount} tensors, more than the limit of ${MAX_TENSOR_COUNT} tensors.`, {
      expected: `<= ${MAX_TENSOR_COUNT}`,
      actual: String(tensorCount),
    });
  }

  let metadata: Record<string, string> | undefined;
  const tensors: TensorInfo[] = [];
  for (const [name, entry] of entries) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry, fail);
      continue;
    }
    tensors.push(parseEntry(name, entry, dataOffset, dataLength, fail));
  }

  tensors.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  for (let i = 1; i < tensors.length; i++) {
    const previous = tensors[i - 1]!;
    const current = tensors[i]!;
    if (current.byteOffset < previous.byteOffset + previous.byteLength) {
      fail(`tensor ${current.name} overlaps tensor ${previous.name}.`, {
        tensor: current.name,
        expected: `data_offsets starting at or after ${previous.byteOffset + previous.byteLength - dataOffset}`,
        actual: `starts at ${current.byteOffset - dataOffset}`,
      });
    }
  }
  return metadata === undefined ? { tensors, dataOffset } : { tensors, metadata, dataOffset };
}

function parseMetadata(entry: unknown, fail: Fail): Record<string, string> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    fail('__metadata__ is not an object of strings.', {
      tensor: '__metadata__',
      expected: 'object',
      actual: typeof entry,
    });
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      fail(`__metadata__.${key} is not a string.`, {
        tensor: '__metadata__',
        expected: 'string',
        actual: typeof value,
      });
    }
    metadata[key] = value as string;
  }
  return metadata;
}

function parseEntry(
  name: string,
  entry: unknown,
  dataOffset: number,
  dataLength: number,
  fail: Fail,
): TensorInfo {
  if (name.length > MAX_TENSOR_NAME_LENGTH) {
    fail(`tensor name of ${name.length} characters exceeds the limit of ${MAX_TENSOR_NAME_LENGTH}.`, {
      tensor: name.slice(0, 64),
      expected: `<= ${MAX_TENSOR_NAME_LENGTH}`,
      actual: String(name.length),
    });
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    fail(`tensor ${name} entry is not an object.`, {
      tensor: name,
      expected: '{dtype, shape, data_offsets}',
      actual: typeof entry,
    });
  }
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;

  if (!isSafetensorsDtype(dtype)) {
    fail(
      `tensor ${name} has unknown dtype ${JSON.stringify(dtype)}. Supported: ${Object.keys(DTYPE_BYTES).join(', ')}.`,
      {
        tensor: name,
        expected: 'a safetensors dtype',
        actual: JSON.stringify(dtype),
      },
    );
  }
  if (!Array.isArray(shape) || shape.length > MAX_TENSOR_RANK) {
    fail(`tensor ${name} shape must be an array of at most ${MAX_TENSOR_RANK} dimensions.`, {
      tensor: name,
      expected: `array of <= ${MAX_TENSOR_RANK} integers`,
      actual: JSON.stringify(shape),
    });
  }
  let elements = 1;
  for (const dimension of shape as unknown[]) {
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) {
      fail(`tensor ${name} has invalid dimension ${JSON.stringify(dimension)} in its shape.`, {
        tensor: name,
        expected: 'non-negative integers',
        actual: JSON.stringify(shape),
      });
    }
    elements *= dimension as number;
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
  ) {
    fail(`tensor ${name} data_offsets must be two non-negative integers.`, {
      tensor: name,
      expected: '[begin, end]',
      actual: JSON.stringify(offsets),
    });
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    fail(
      `tensor ${name} data_offsets [${begin}, ${end}] lie outside the ${dataLength}-byte data section. The file is truncated or corrupt.`,
      {
        tensor: name,
        expected: `0 <= begin <= end <= ${dataLength}`,
        actual: `[${begin}, ${end}]`,
      },
    );
  }
  const byteLength = elements * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (!Number.isSafeInteger(byteLength) || end - begin !== byteLength) {
    fail(
      `tensor ${name} of shape [${(shape as number[]).join(', ')}] and dtype ${dtype} needs ${byteLength} bytes but data_offsets span ${end - begin}.`,
      {
        tensor: name,
        expected: `${byteLength} bytes`,
        actual: `${end - begin} bytes`,
      },
    );
  }
  return {
    name,
    dtype: dtype as SafetensorsDtype,
    shape: [...(shape as number[])],
    byteOffset: dataOffset + begin,
    byteLength,
  };
}
