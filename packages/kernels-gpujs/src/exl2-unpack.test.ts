import type { Exl2WeightData } from '@minichat/runtime';
import { describe, expect, test } from 'vitest';
import { unpackExl2 } from './exl2-unpack.js';
import { createGpuJsBackend } from './gpujs-backend.js';

/**
 * Builds the worked example of the EXL2 format notes (exllamav2 0.0.11): K = 64, N = 32, a 4-bit group of 32
 * rows then a 3-bit group of 32 rows, with the words, scales and expected weights given there. Word
 * `qWeight[5, 0]` is set to 1 here so that stored row 42, whose code straddles words 4 and 5, decodes to 7.
 */
function workedExample(): Exl2WeightData {
  const qWeight = new Uint32Array(7 * 32);
  qWeight[0] = 0x6837618f;
  qWeight[4 * 32] = 0xdbd0ccef;
  qWeight[5 * 32] = 1;
  const qScale = new Uint32Array(2 * 4);
  qScale[0] = 0xdceeccec;
  qScale[4] = 0xedcdcbdd;
  const perm = Uint32Array.from({ length: 64 }, (_, k) => k);
  // Stored row 0 contains input feature 44 and stored row 33 input feature 21, as in the example.
  [perm[0], perm[44]] = [44, 0];
  [perm[33], perm[21]] = [21, 33];
  return {
    kind: 'exl2',
    name: 'worked example',
    inFeatures: 64,
    outFeatures: 32,
    paddedOutFeatures: 32,
    qWeight,
    qScale,
    // fp16 bits of 0.007965087890625 and 0.018585205078125.
    qScaleMax: Uint16Array.from([0x2014, 0x24c2]),
    groups: [
      { bits: 4, rows: 32, rowStart: 0, qRowStart: 0 },
      { bits: 3, rows: 32, rowStart: 32, qRowStart: 4 },
    ],
    perm,
  };
}

describe('unpackExl2', () => {
  const unpacked = unpackExl2(workedExample());

  test('packs three codes per texel', () => {
    // Stored rows 0..2 of column 0 have the 4-bit codes 15, 8 and 1.
    expect(unpacked.codes[0]).toBe(15 + 256 * 8 + 65536 * 1);
    // Stored rows 33..35 have the 3-bit codes 5, 3 and 6 (bits 3..5, 6..8 and 9..11 of 0xDBD0CCEF).
    expect(unpacked.codes[11 * 32]).toBe(5 + 256 * 3 + 65536 * 6);
  });

  test('decodes a code that straddles two words', () => {
    // Stored row 42: bits 30..31 of word row 4 (0b11) and bit 0 of word row 5 (1) give 7.
    expect(unpacked.codes[14 * 32]).toBe(7);
  });

  test('keeps zero points, groups and scales per row', () => {
    expect(unpacked.zeroPoint[0]).toBe(8);
    expect(unpacked.zeroPoint[33]).toBe(4);
    expect(unpacked.groupIndex[33]).toBe(1);
    expect(unpacked.inputIndex[0]).toBe(44);
    expect(unpacked.scales[0]).toBeCloseTo(0.0052582025, 9);
    expect(unpacked.scales[32]).toBeCloseTo(0.0142293, 7);
  });

  test('pads the rows to a multiple of three', () => {
    expect(unpacked.paddedRows).toBe(66);
    expect(unpacked.zeroPoint[65]).toBe(0);
  });
});

describe.each(['cpu', 'webasm'] as const)('worked example matmul in %s mode', (mode) => {
  test('gives the weights of the format notes', async () => {
    const backend = createGpuJsBackend({ mode });
    const layer = backend.uploadLinear(workedExample());
    const x = backend.createActivation(2, 64);
    const input = new Float32Array(128);
    input[44] = 1;
    input[64 + 21] = 1;
    backend.writeActivation(x, input);
    const out = backend.createActivation(2, 32);
    backend.matmul(x, layer, out, 2);
    const y = await backend.readActivation(out, 0, 2);
    // W[44, 0] = 7 * 13^2 * 0.007965087890625 / 256 and W[21, 0] = 1 * 14^2 * 0.018585205078125 / 256.
    expect(y[0]).toBeCloseTo(0.0368074, 6);
    expect(y[32]).toBeCloseTo(0.0142293, 6);
    expect(backend.kernelEngines()).toEqual([mode]);
    backend.dispose();
  });
});
