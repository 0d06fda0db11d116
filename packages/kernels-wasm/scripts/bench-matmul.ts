/**
 * Times one EXL2 product alone: copies of a random layer (3072 x 8192 unless given, eight copies unless
 * given, 12.6 MB each at 4 bits), one row (decode) and 64 rows (prefill), median of five rounds. Prints
 * GB/s of codes read and multiply-adds per second, so kernel changes can be compared without a whole
 * forward pass. The copies should exceed the last-level cache: give more of them where eight fit in it.
 * One-row products run with each decode setting listed: a stream count per thread, with `r` for
 * read-ahead (default: 2,4,2r,4r).
 *
 * Usage: pnpm exec tsx --conditions=minichat-source scripts/bench-matmul.ts [threads] [relaxed|baseline]
 *   [bits] [group rows] [copies] [settings] [KxN]
 */
import { createWasmBackend } from '../src/node.js';
import { randomLayer } from './random-exl2.js';

const threads = Number(process.argv[2] ?? 2);
const build = process.argv[3] ?? 'relaxed';
if (build !== 'relaxed' && build !== 'baseline')
  throw new Error(`invalid build ${build}: expected relaxed or baseline`);
const relaxed = build === 'relaxed';
const bits = Number(process.argv[4] ?? 4);
const groupRows = Number(process.argv[5] ?? 128);
const copies = Number(process.argv[6] ?? 8);
const settings = (process.argv[7] ?? '2,4,2r,4r').split(',').map((setting) => {
  const match = /^([24])(r?)$/.exec(setting);
  if (match === null) throw new Error(`invalid decode setting ${setting}: expected 2, 4, 2r or 4r`);
  return { decodeStreams: Number(match[1]) as 2 | 4, readAhead: match[2] === 'r', label: setting };
});
const shape = process.argv[8] ?? '3072x8192';
if (!/^\d+x\d+$/.test(shape))
  throw new Error(`invalid shape ${shape}: expected inputs x outputs, such as 3072x8192`);
const [K, N] = shape.split('x').map(Number) as [number, number];
const template = randomLayer('w', K, N, bits, groupRows);
const bytes = (K * N * bits) / 8;

for (const { decodeStreams, readAhead, label } of settings) {
  const backend = await createWasmBackend({ threads, relaxedSimd: relaxed, readAhead, decodeStreams });
  const layers = Array.from({ length: copies }, () => backend.uploadLinear(template));
  const x = backend.createActivation(64, K);
  backend.writeActivation(
    x,
    Float32Array.from({ length: 64 * K }, () => Math.random() - 0.5),
  );
  const y = backend.createActivation(64, N);
  // Prefill does not use the decode settings: time it once.
  for (const rows of label === settings[0]!.label ? [1, 64] : [1]) {
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
      `${relaxed ? 'relaxed' : 'baseline'}, ${rows === 1 ? `decode ${label}, ` : ''}${bits}-bit, groups of ${groupRows}, ${K}x${N}, ${copies} copies, ${threads} threads, ${rows} rows: ` +
        `${gigabytes.toFixed(2)} GB/s, ${multiplyAdds.toFixed(1)} G multiply-adds/s`,
    );
  }
  backend.dispose();
}
