import { createWasmBackend } from '../src/node.js';
import { randomLayer } from './random-exl2.js';

const threads = Number(process.argv[2] ?? 2);
const relaxed = process.argv[3] !== 'baseline';
const backend = await createWasmBackend({ threads, relaxedSimd: relaxed });
const K = 3072,
  N = 8192,
  copies = 8;
const t = randomLayer('w', K, N, 4);
const layers = Array.from({ length: copies }, () => backend.uploadLinear(t));
const x = backend.createActivation(64, K);
backend.writeActivation(
  x,
  Float32Array.from({ length: 64 * K }, () => Math.random() - 0.5),
);
const y = backend.createActivation(64, N);
for (const rows of [1, 64]) {
  for (let i = 0; i < copies; i++) backend.matmul(x, layers[i]!, y, rows);
  const reps = rows === 1 ? 30 : 2;
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) for (let i = 0; i < copies; i++) backend.matmul(x, layers[i]!, y, rows);
    times.push((performance.now() - t0) / 1000);
  }
  const s = times.sort((a, b) => a - b)[2]!;
  const bytes = (K * N) / 2;
  console.log(
    `${relaxed ? 'relaxed' : 'baseline'} threads ${threads} rows ${rows}: ${((reps * copies * bytes) / s / 1e9).toFixed(2)} GB/s, ${((reps * copies * rows * K * N) / s / 1e9).toFixed(1)} GMAC/s`,
  );
}
backend.dispose();
