import { floatToHalf, halfToFloat } from '@minichat/exl2-format';
import { GgufWriteError } from '../errors.js';
import { GGML_BLOCK } from './types.js';

/** Values per Q4_0 and Q8_0 block. */
const BLOCK_VALUES = 32;

function checkRowLength(kind: string, values: Float32Array, rowLength: number): void {
  if (rowLength % BLOCK_VALUES !== 0 || values.length % rowLength !== 0) {
    throw new GgufWriteError(
      `Cannot quantize ${values.length} values in rows of ${rowLength} to ${kind}: the row length must be ` +
        `a multiple of ${BLOCK_VALUES} and divide the value count.`,
      kind,
    );
  }
}

/**
 * Quantizes fp32 values to ggml's Q4_0 blocks, in the arithmetic of ggml's reference
 * `quantize_row_q4_0_ref`: per block of 32, the value of largest magnitude `m` gives the scale
 * `d = m / -8` (stored as fp16), and each value becomes `min(15, floor(x / d + 8.5))` in fp32 math.
 * Byte `j` of the 16 code bytes holds value `j` in its low nibble and value `j + 16` in its high nibble.
 */
export function quantizeQ4_0(values: Float32Array, rowLength: number = values.length): Uint8Array {
  checkRowLength('Q4_0', values, rowLength);
  const blocks = values.length / BLOCK_VALUES;
  const out = new Uint8Array(blocks * GGML_BLOCK.Q4_0.bytes);
  const view = new DataView(out.buffer);
  const fround = Math.fround;
  for (let b = 0; b < blocks; b++) {
    const base = b * BLOCK_VALUES;
    let absMax = 0;
    let max = 0;
    for (let j = 0; j < BLOCK_VALUES; j++) {
      const v = values[base + j]!;
      if (Math.abs(v) > absMax) {
        absMax = Math.abs(v);
        max = v;
      }
    }
    const d = fround(max / -8);
    const inverse = d === 0 ? 0 : fround(1 / d);
    const at = b * GGML_BLOCK.Q4_0.bytes;
    view.setUint16(at, floatToHalf(d), true);
    for (let j = 0; j < BLOCK_VALUES / 2; j++) {
      const low = Math.min(15, Math.trunc(fround(fround(values[base + j]! * inverse) + 8.5)));
      const high = Math.min(15, Math.trunc(fround(fround(values[base + j + 16]! * inverse) + 8.5)));
      out[at + 2 + j] = low | (high << 4);
    }
  }
  return out;
}

/**
 * Quantizes fp32 values to ggml's Q8_0 blocks, in the arithmetic of ggml's reference
 * `quantize_row_q8_0_ref`: per block of 32, `d = max|x| / 127` (stored as fp16) and each value becomes
 * `x / d` rounded half away from zero, as C's `roundf` does.
 */
export function quantizeQ8_0(values: Float32Array, rowLength: number = values.length): Uint8Array {
  checkRowLength('Q8_0', values, rowLength);
  const blocks = values.length / BLOCK_VALUES;
  const out = new Uint8Array(blocks * GGML_BLOCK.Q8_0.bytes);
  const view = new DataView(out.buffer);
  const codes = new Int8Array(out.buffer);
  const fround = Math.fround;
  for (let b = 0; b < blocks; b++) {
    const base = b * BLOCK_VALUES;
    let absMax = 0;
    for (let j = 0; j < BLOCK_VALUES; j++) absMax = Math.max(absMax, Math.abs(values[base + j]!));
    const d = fround(absMax / 127);
    const inverse = d === 0 ? 0 : fround(1 / d);
    const at = b * GGML_BLOCK.Q8_0.bytes;
    view.setUint16(at, floatToHalf(d), true);
    for (let j = 0; j < BLOCK_VALUES; j++) {
      const scaled = fround(values[base + j]! * inverse);
      codes[at + 2 + j] = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
    }
  }
  return out;
}

/** Expands Q4_0 blocks back to fp32: `(code - 8) * d`. */
export function dequantizeQ4_0(blocks: Uint8Array): Float32Array {
  const count = blocks.length / GGML_BLOCK.Q4_0.bytes;
  const out = new Float32Array(count * BLOCK_VALUES);
  const view = new DataView(blocks.buffer, blocks.byteOffset, blocks.byteLength);
  for (let b = 0; b < count; b++) {
    const at = b * GGML_BLOCK.Q4_0.bytes;
    const d = halfToFloat(view.getUint16(at, true));
    for (let j = 0; j < BLOCK_VALUES / 2; j++) {
      const byte = blocks[at + 2 + j]!;
      out[b * BLOCK_VALUES + j] = ((byte & 15) - 8) * d;
      out[b * BLOCK_VALUES + j + 16] = ((byte >> 4) - 8) * d;
    }
  }
  return out;
}

/** Expands Q8_0 blocks back to fp32: `code * d`. */
export function dequantizeQ8_0(blocks: Uint8Array): Float32Array {
  const count = blocks.length / GGML_BLOCK.Q8_0.bytes;
  const out = new Float32Array(count * BLOCK_VALUES);
  const view = new DataView(blocks.buffer, blocks.byteOffset, blocks.byteLength);
  for (let b = 0; b < count; b++) {
    const at = b * GGML_BLOCK.Q8_0.bytes;
    const d = halfToFloat(view.getUint16(at, true));
    for (let j = 0; j < BLOCK_VALUES; j++) out[b * BLOCK_VALUES + j] = view.getInt8(at + 2 + j) * d;
  }
  return out;
}
