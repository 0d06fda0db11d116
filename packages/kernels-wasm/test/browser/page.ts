// Bundled into a page by browser.test.ts: runs a few ops of the browser entry point and stores the
// outputs in `window.kernelsWasmResult` for the test to compare with hand-computed values.
import { createWasmBackend } from '../../src/index.js';

async function run(): Promise<unknown> {
  const backend = await createWasmBackend({ threads: 2 });
  try {
    // Dense 2 -> 3 layer, W = [[1, 2], [3, 4], [5, 6]].
    const weight = backend.uploadLinear({
      kind: 'dense',
      name: 'w',
      inFeatures: 2,
      outFeatures: 3,
      dtype: 'f32',
      data: Float32Array.of(1, 2, 3, 4, 5, 6),
    });
    const x = backend.createActivation(1, 2);
    const y = backend.createActivation(1, 3);
    backend.writeActivation(x, Float32Array.of(1, -1));
    backend.matmul(x, weight, y, 1);

    // EXL2: 64 rows of 8-bit codes 129 (v = 1), scale nibbles 15, q_scale_max 1.0, so W = 1 and every
    // output column is the sum of the inputs. 128 columns give each of the two threads tiles.
    const exl2 = backend.uploadLinear({
      kind: 'exl2',
      name: 'ones',
      inFeatures: 64,
      outFeatures: 128,
      paddedOutFeatures: 128,
      qWeight: new Uint32Array(16 * 128).fill(0x81818181),
      qScale: new Uint32Array(16).fill(0xffffffff),
      qScaleMax: Uint16Array.of(0x3c00),
      groups: [{ bits: 8, rows: 64, rowStart: 0, qRowStart: 0 }],
      perm: Uint32Array.from({ length: 64 }, (_, k) => k),
    });
    const input = backend.createActivation(1, 64);
    const output = backend.createActivation(1, 128);
    // Multiples of 1/127 with 1 in every block of 32 are exact on the 8-bit and 16-bit activation grids.
    backend.writeActivation(
      input,
      Float32Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 127 : i - 64) / 127),
    );
    backend.matmul(input, exl2, output, 1);
    const sums = await backend.readActivation(output, 0, 1);

    return {
      threads: backend.threads,
      relaxedSimd: backend.relaxedSimd,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      dense: Array.from(await backend.readActivation(y, 0, 1)),
      exl2First: sums[0],
      exl2Last: sums[127],
    };
  } finally {
    backend.dispose();
  }
}

const target = globalThis as { kernelsWasmResult?: unknown };
run().then(
  (result) => {
    target.kernelsWasmResult = result;
  },
  (error: unknown) => {
    target.kernelsWasmResult = { error: String(error) };
  },
);
