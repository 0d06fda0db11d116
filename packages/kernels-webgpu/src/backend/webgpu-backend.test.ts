import { describe, expect, test } from 'vitest';
import { createWebGpuBackend } from '../create.js';
import {
  WebGpuCapacityError,
  WebGpuDeviceLostError,
  WebGpuDisposedError,
  WebGpuInvalidArgumentError,
  WebGpuUnavailableError,
} from '../errors.js';
import { createNodeWebGpuBackend } from '../node.js';
import { activationOf, useBackend } from '../test-utils/backend.js';

const dumped: string[] = [];
const backend = useBackend({ debug: { dumpWgsl: (label) => dumped.push(label) } });

/** MiniChat-2-3B's shape with the 4.0 bpw / 8-bit head release, a 4096-token f16 cache and 512-token chunks. */
const MINICHAT = {
  hiddenSize: 3072,
  intermediateSize: 8192,
  numLayers: 24,
  numHeads: 24,
  numKvHeads: 24,
  headDim: 128,
  vocabSize: 49216,
  contextLength: 4096,
  prefillChunkSize: 512,
  kvCacheDtype: 'f16' as const,
  embeddingDtype: 'f16' as const,
  bitsPerWeight: 4,
  headBitsPerWeight: 8,
};

describe('webgpu backend', () => {
  test('a decode step is one submission without allocations', async () => {
    const b = backend();
    const x = activationOf(b, 1, [1, 2, 3, 4]);
    const y = b.createActivation(1, 4);
    const weight = b.uploadVector(Float32Array.from([1, 1, 1, 1]));
    const step = () => {
      b.rmsNorm(x, weight, 1e-5, y, 1);
      b.add(x, y, y, 1);
      return b.sample(y, 0, { temperature: 0, topK: 0, topP: 1 }, 0);
    };
    await step();
    const queue = b.device.queue;
    const submit = queue.submit.bind(queue);
    const createBuffer = b.device.createBuffer.bind(b.device);
    let submissions = 0;
    let allocations = 0;
    queue.submit = (buffers) => {
      submissions++;
      submit(buffers);
    };
    b.device.createBuffer = (descriptor) => {
      allocations++;
      return createBuffer(descriptor);
    };
    try {
      expect(await step()).toBe(3);
    } finally {
      queue.submit = submit;
      b.device.createBuffer = createBuffer;
    }
    expect(submissions).toBe(1);
    expect(allocations).toBe(0);
  });

  test('debug option receives the WGSL of each pipeline', () => {
    expect(dumped).toContain('rms-norm(inPlace=false)');
    expect(dumped).toContain('argmax()');
  });

  test('Node without navigator.gpu has no default device', async () => {
    await expect(createWebGpuBackend()).rejects.toThrow(WebGpuUnavailableError);
    await expect(createWebGpuBackend()).rejects.toThrow(/navigator\.gpu is missing/);
  });

  test('an activation over the binding limit is a capacity error', async () => {
    const phone = await createNodeWebGpuBackend({ maxStorageBufferBindingSize: 1024 });
    try {
      expect(() => phone.createActivation(2, 129)).toThrow(WebGpuCapacityError);
      expect(() => phone.createActivation(2, 129)).toThrow(
        /activation \[2, 129\] needs 1\.0 KiB but the device allows 1\.0 KiB/,
      );
    } finally {
      phone.dispose();
    }
  });

  test('head dimensions past the attention limit are rejected', () => {
    const spec = { numLayers: 1, maxSequenceLength: 8, numKvHeads: 1, headDim: 514, dtype: 'f32' as const };
    expect(() => backend().createKvCache(spec)).toThrow(
      /createKvCache spec\.headDim \(514\): expected an integer from 2 to 512/,
    );
  });

  test('handles of another backend are rejected', async () => {
    const other = await createNodeWebGpuBackend();
    try {
      const foreign = other.createActivation(1, 4);
      const own = backend().createActivation(1, 4);
      expect(() => backend().add(own, foreign, own, 1)).toThrow(WebGpuInvalidArgumentError);
      expect(() => backend().add(own, foreign, own, 1)).toThrow(
        /add b \(GpuActivation\): expected a GpuActivation of this backend/,
      );
    } finally {
      other.dispose();
    }
  });

  test('released handles are unusable', () => {
    const x = backend().createActivation(1, 4);
    backend().release(x);
    expect(() => backend().add(x, x, x, 1)).toThrow(WebGpuDisposedError);
    expect(() => backend().add(x, x, x, 1)).toThrow(/add: a was released/);
  });

  test('device loss gives a typed error and a new backend works', async () => {
    const doomed = await createNodeWebGpuBackend();
    const x = activationOf(doomed, 1, [1, 2]);
    doomed.device.destroy();
    const lost = await doomed.lost;
    expect(lost).toBeInstanceOf(WebGpuDeviceLostError);
    expect(lost.reason).toBe('destroyed');
    expect(() => doomed.add(x, x, x, 1)).toThrow(/The WebGPU device was lost \(reason: destroyed/);
    doomed.dispose();

    const fresh = await createNodeWebGpuBackend();
    const y = activationOf(fresh, 1, [1, 2]);
    fresh.add(y, y, y, 1);
    expect([...(await fresh.readActivation(y, 0, 1))]).toEqual([2, 4]);
    fresh.dispose();
  });

  test('per-kernel timings with timestamp queries', async () => {
    const timed = await createNodeWebGpuBackend({ timestamps: true });
    try {
      const x = activationOf(timed, 1, [1, 2]);
      timed.add(x, x, x, 1);
      timed.add(x, x, x, 1);
      await timed.synchronize();
      const timings = await timed.readKernelTimings();
      expect(timings.find((timing) => timing.kernel === 'elementwise')?.calls).toBe(2);
    } finally {
      timed.dispose();
    }
  });

  test('MiniChat fits a 1 GiB binding limit and 4 GiB of memory', () => {
    const report = backend().checkModelFits(MINICHAT, 4 * 2 ** 30);
    expect(report.problems).toEqual([]);
    expect(report.fits).toBe(true);
  });

  test('fit check names what is missing', async () => {
    const phone = await createNodeWebGpuBackend({ maxStorageBufferBindingSize: 128 * 2 ** 20 });
    try {
      const report = phone.checkModelFits(
        { ...MINICHAT, kvCacheDtype: 'f32', contextLength: 16384 },
        2 * 2 ** 30,
      );
      expect(report.fits).toBe(false);
      expect(report.problems[0]).toMatch(
        /one layer of the key\/value cache needs 192\.0 MiB .* allows 128\.0 MiB/,
      );
      expect(report.problems[1]).toMatch(/only 2\.00 GiB are available/);
    } finally {
      phone.dispose();
    }
  });
});
