import { type ByteSource, checkReadLength } from '../byte-source.js';
import { Llama2cFormatError, UnsupportedModelError } from '../errors.js';
import { bytesAsTypedArray } from '../safetensors/reader.js';

/** Header of a legacy (version 0) llama2.c checkpoint. */
export interface Llama2cHeader {
  /** Model width. */
  dim: number;
  /** FFN width. */
  hiddenDim: number;
  /** Number of layers. */
  nLayers: number;
  /** Number of query heads. */
  nHeads: number;
  /** Number of key/value heads. */
  nKvHeads: number;
  /** Vocabulary size (always positive here). */
  vocabSize: number;
  /** Context length the model was trained with. */
  seqLen: number;
  /** Whether the classifier shares the token embedding (a positive `vocab_size` in the file). */
  sharedClassifier: boolean;
}

/** One weight array of a checkpoint: its name in llama2.c's `TransformerWeights`, offset and shape. */
export interface Llama2cArray {
  /** Field name in llama2.c (`wq`, `rms_att_weight`, …). */
  name: string;
  /** Byte offset in the file. */
  byteOffset: number;
  /** Shape, outermost first; per-layer arrays have the layer count first. */
  shape: number[];
}

const HEADER_BYTES = 28;
// The version 1/2 exports of llama2.c's export.py start with this magic ("ak42" as uint32).
const VERSIONED_MAGIC = 0x616b3432;

// Upper bounds for header values; far above llama2.c's largest exports (Llama-2 70B).
const HEADER_LIMITS = {
  dim: 65536,
  hiddenDim: 1 << 20,
  nLayers: 1024,
  nHeads: 1024,
  vocabSize: 1 << 22,
  seqLen: 1 << 24,
} as const;

/** Parses and checks the 28-byte header of a legacy llama2.c checkpoint. */
export function parseLlama2cHeader(bytes: Uint8Array, fileName = 'checkpoint'): Llama2cHeader {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new Llama2cFormatError(
      `${fileName} is ${bytes.byteLength} bytes, shorter than the 28-byte llama2.c header.`,
      {
        file: fileName,
        expected: '>= 28 bytes',
        actual: `${bytes.byteLength} bytes`,
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) === VERSIONED_MAGIC) {
    throw new UnsupportedModelError(
      `${fileName} is a versioned llama2.c export (magic "ak42"); only legacy version 0 checkpoints are supported. Re-export with export.py --version 0.`,
      {
        file: fileName,
        expected: 'legacy header',
        actual: 'magic ak42',
      },
    );
  }
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabRaw, seqLen] = Array.from({ length: 7 }, (_, i) =>
    view.getInt32(4 * i, true),
  ) as [number, number, number, number, number, number, number];
  const check = (field: string, value: number, max: number) => {
    if (value < 1 || value > max) {
      throw new Llama2cFormatError(
        `${fileName}: header field ${field} is ${value}; expected 1..${max}. This is not a legacy llama2.c checkpoint.`,
        {
          file: fileName,
          tensor: field,
          expected: `1..${max}`,
          actual: String(value),
        },
      );
    }
  };
  check('dim', dim, HEADER_LIMITS.dim);
  check('hidden_dim', hiddenDim, HEADER_LIMITS.hiddenDim);
  check('n_layers', nLayers, HEADER_LIMITS.nLayers);
  check('n_heads', nHeads, HEADER_LIMITS.nHeads);
  check('n_kv_heads', nKvHeads, nHeads);
  check('|vocab_size|', Math.abs(vocabRaw), HEADER_LIMITS.vocabSize);
  check('seq_len', seqLen, HEADER_LIMITS.seqLen);
  if (dim % nHeads !== 0 || nHeads % nKvHeads !== 0 || (dim / nHeads) % 2 !== 0) {
    throw new Llama2cFormatError(
      `${fileName}: dim ${dim}, n_heads ${nHeads} and n_kv_heads ${nKvHeads} do not split into whole, even-sized heads.`,
      {
        file: fileName,
        expected: 'dim % n_heads == 0, n_heads % n_kv_heads == 0, even head size',
        actual: `${dim}/${nHeads}/${nKvHeads}`,
      },
    );
  }
  return {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize: Math.abs(vocabRaw),
    seqLen,
    sharedClassifier: vocabRaw > 0,
  };
}

/** The arrays of a legacy checkpoint and the file size they imply. */
export interface Llama2cLayout {
  /** Arrays in file order. */
  arrays: Llama2cArray[];
  /** Exact file size in bytes. */
  fileSize: number;
}

/** Lists the arrays of a legacy checkpoint in file order and returns the file size they imply. */
export function llama2cLayout(header: Llama2cHeader): Llama2cLayout {
  const { dim, hiddenDim, nLayers: L, nHeads, nKvHeads, vocabSize, seqLen } = header;
  const kvDim = (dim * nKvHeads) / nHeads;
  const headSize = dim / nHeads;
  const arrays: Llama2cArray[] = [];
  let offset = HEADER_BYTES;
  const add = (name: string, shape: number[]) => {
    arrays.push({ name, byteOffset: offset, shape });
    offset += 4 * shape.reduce((product, dimension) => product * dimension, 1);
  };
  add('token_embedding_table', [vocabSize, dim]);
  add('rms_att_weight', [L, dim]);
  add('wq', [L, dim, dim]);
  add('wk', [L, kvDim, dim]);
  add('wv', [L, kvDim, dim]);
  add('wo', [L, dim, dim]);
  add('rms_ffn_weight', [L, dim]);
  add('w1', [L, hiddenDim, dim]);
  add('w2', [L, dim, hiddenDim]);
  add('w3', [L, hiddenDim, dim]);
  add('rms_final_weight', [dim]);
  // Two RoPE tables that llama2.c's legacy export still writes but run.c skips.
  add('freq_cis_real', [seqLen, headSize / 2]);
  add('freq_cis_imag', [seqLen, headSize / 2]);
  if (!header.sharedClassifier) add('wcls', [vocabSize, dim]);
  return { arrays, fileSize: offset };
}

/** An opened legacy llama2.c checkpoint that reads one array (or one layer of it) at a time. */
export interface Llama2cCheckpoint {
  /** Parsed header. */
  header: Llama2cHeader;
  /** Reads array `name`, or layer `layer` of a per-layer array, as fp32. */
  read(name: string, layer?: number): Promise<Float32Array>;
}

/** Opens a legacy llama2.c checkpoint, checking that the file size matches the header exactly. */
export async function openLlama2cCheckpoint(source: ByteSource): Promise<Llama2cCheckpoint> {
  const fileName = source.name ?? 'checkpoint';
  const headerBytes = await source.read(0, Math.min(HEADER_BYTES, source.size));
  const header = parseLlama2cHeader(headerBytes, fileName);
  const { arrays, fileSize } = llama2cLayout(header);
  if (fileSize !== source.size) {
    throw new Llama2cFormatError(
      `${fileName} is ${source.size} bytes but its header (dim ${header.dim}, ${header.nLayers} layers, vocab ${header.vocabSize}) implies ${fileSize}. The file is truncated or not a legacy llama2.c checkpoint.`,
      { file: fileName, expected: `${fileSize} bytes`, actual: `${source.size} bytes` },
    );
  }
  const byName = new Map(arrays.map((array) => [array.name, array]));
  return {
    header,
    async read(name, layer) {
      const array = byName.get(name);
      if (!array)
        throw new Llama2cFormatError(`No array ${name} in ${fileName}.`, {
          file: fileName,
          tensor: name,
          actual: 'missing',
        });
      const perLayer = layer !== undefined;
      const elements = array.shape
        .slice(perLayer ? 1 : 0)
        .reduce((product, dimension) => product * dimension, 1);
      const offset = array.byteOffset + (perLayer ? layer * elements * 4 : 0);
      const bytes = await source.read(offset, elements * 4);
      checkReadLength(source, offset, elements * 4, bytes.byteLength);
      return bytesAsTypedArray(bytes, 'F32').slice();
    },
  };
}

/**
 * Reorders the rows of a llama2.c q or k projection `[heads × headSize, in]` from llama2.c's
 * RoPE layout, which rotates adjacent pairs (2i, 2i+1), to HF's rotate-half layout, which
 * rotates (i, i + headSize/2). HF row r of a head takes llama2.c row 2r for the first half and
 * row 2(r − headSize/2) + 1 for the second.
 */
export function permuteRopeRows(
  weight: Float32Array,
  heads: number,
  headSize: number,
  inFeatures: number,
): Float32Array {
  const out = new Float32Array(weight.length);
  const halfSize = headSize / 2;
  for (let head = 0; head < heads; head++) {
    for (let r = 0; r < headSize; r++) {
      const source = r < halfSize ? 2 * r : 2 * (r - halfSize) + 1;
      const from = (head * headSize + source) * inFeatures;
      out.set(weight.subarray(from, from + inFeatures), (head * headSize + r) * inFeatures);
    }
  }
  return out;
}
