/**
 * Times one EXL2 product alone: copies of a random 3072 x 8192 layer (eight unless given, 12.6 MB each
 * at 4 bits), one row (decode) and 64 rows (prefill), median of five rounds. Prints GB/s of codes read and
 * multiply-adds per second, so kernel changes can be compared without a whole forward pass. The copies
 * should exceed the last-level cache: give more of them where eight fit in it. One-row products read
 * codes ahead or not as the last argument says (default: both, one after the other).
 *
 * Usage: pnpm exec tsx --conditions=minichat-source scripts/bench-matmul.ts [threads] [relaxed|baseline]
 *   [bits] [group rows] [copies] [read-ahead|no-read-ahead|both]
 */
import { createWasmBackend } from '../src/node.js';
import { randomLayer } from './random-exl2.js';

const threads = Number(process.argv[2] ?? 2);
const relaxed = process.argv[3] !== 'baseline';
const bits = Number(process.argv[4] ?? 4);
const groupRows = Number(process.argv[5] ?? 128);
const K = 3072;
const N = 8192;
const copies = Number(process.argv[6] ?? 8);
const readAheadArgument = process.argv[7] ?? 'both';
const settings = { 'read-ahead': [true], 'no-read-ahead': [false], both: [true, false] }[readAheadArgument];
if (settings === undefined) throw new Error(`unknown read-ahead argument ${readAheadArgument}`);
const template = randomLayer('w', K, N, bits, groupRows);
const bytes = (K * N * bits) / 8;

for (const readAhead of settings) {
  const backend = await createWasmBackend({ threads, relaxedSimd: relaxed, readAhead });
  const layers = Array.from({ length: copies }, () => backend.uploadLinear(template));
  const x = backend.createActivation(64, K);
  backend.writeActivation(
    x,
    Float32Array.from({ length: 64 * K }, () => Math.random() - 0.5),
  );
  const y = backend.createActivation(64, N);
  // Prefill never reads ahead: time it once.
  for (const rows of readAhead === settings[0] ? [1, 64] : [1]) {
    for (let i = 0; i < copies; i++) backend.matmul(x, layers[i]!, y, rows);
    const reps = rows === 1 ? 30 : 2;
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      for (let r = 0; r < reps; r++) {
        for (let i = 0; i < copies; i++) backend.matmul(x, layers[i]!, y, rows);
      }
      times.push((performance.now() - start) / 1000);
    }
    const seconds = times.sort((a, b) => a - b)[2]!;
    const gigabytes = (reps * copies * bytes) / seconds / 1e9;
    const multiplyAdds = (reps * copies * rows * K * N) / seconds / 1e9;
    console.log(
      `${relaxed ? 'relaxed' : 'baseline'}, ${rows === 1 ? (readAhead ? 'read-ahead, ' : 'no read-ahead, ') : ''}${bits}-bit, groups of ${groupRows}, ${copies} copies, ${threads} threads, ${rows} rows: ` +
        `${gigabytes.toFixed(2)} GB/s, ${multiplyAdds.toFixed(1)} G multiply-adds/s`,
    );
  }
  backend.dispose();
}
