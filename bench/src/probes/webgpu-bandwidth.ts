import { requestNodeDevice } from '@minichat/kernels-webgpu/node';
import { BenchError } from '../errors.js';

/** `GPUBufferUsage.STORAGE`; Node has no WebGPU globals, so the flag's value from the WebGPU spec is used. */
const STORAGE_USAGE = 0x80;

/** Bytes of the buffer read: well above the last-level cache of current GPUs (tens of megabytes). */
const PROBE_BYTES = 256 * 2 ** 20;

/** Threads per workgroup of the read shader. */
const WORKGROUP_SIZE = 256;
/** Workgroups per dispatch: enough to fill any current GPU, each reading with a grid stride. */
const WORKGROUPS = 4096;

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> source: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<u32>>;

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let stride = ${WORKGROUPS * WORKGROUP_SIZE}u;
  let count = arrayLength(&source);
  var accumulator = vec4<u32>(0u);
  for (var i = id.x; i < count; i += stride) {
    accumulator ^= source[i];
  }
  // One store per thread keeps the loads live.
  sink[id.x] = accumulator;
}
`;

/** One GPU read bandwidth measurement. */
export interface GpuReadBandwidth {
  /** Bytes read per second. */
  bytesPerSecond: number;
  /** WebGPU adapter as `vendor architecture device description`. */
  adapter: string;
}

/**
 * Measures the read bandwidth of the GPU's memory with a WebGPU compute shader that XORs a buffer of
 * 256 MiB (less when the adapter's storage binding limit is lower), `passes` dispatches in one
 * submission after one untimed warm-up dispatch. Runs on the adapter Dawn picks from the system's
 * Vulkan drivers (or whatever `VK_ICD_FILENAMES` names).
 */
export async function measureGpuReadBandwidth(passes = 8): Promise<GpuReadBandwidth> {
  const { adapter, device } = await requestNodeDevice();
  try {
    const bytes =
      Math.floor(
        Math.min(PROBE_BYTES, device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / 16,
      ) * 16;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const source = device.createBuffer({ size: bytes, usage: STORAGE_USAGE });
    const sink = device.createBuffer({ size: WORKGROUPS * WORKGROUP_SIZE * 16, usage: STORAGE_USAGE });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: source } },
        { binding: 1, resource: { buffer: sink } },
      ],
    });
    const errors = [await device.popErrorScope(), await device.popErrorScope()].filter(
      (error) => error !== null,
    );
    if (errors.length > 0) {
      throw new BenchError(
        `The GPU bandwidth probe could not allocate ${bytes} bytes: ${errors[0]!.message}`,
      );
    }
    const submit = async (count: number) => {
      const encoder = device.createCommandEncoder();
      for (let i = 0; i < count; i++) {
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(WORKGROUPS);
        pass.end();
      }
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    await submit(1);
    const start = performance.now();
    await submit(passes);
    const seconds = (performance.now() - start) / 1000;
    source.destroy();
    sink.destroy();
    const info = adapter.info;
    const name = [info.vendor, info.architecture, info.device, info.description]
      .filter((part) => part)
      .join(' ');
    return { bytesPerSecond: (bytes * passes) / seconds, adapter: name || 'unknown adapter' };
  } finally {
    device.destroy();
  }
}
