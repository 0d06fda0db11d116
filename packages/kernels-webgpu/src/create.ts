import { type WebGpuBackend, WebGpuBackendImpl } from './backend/webgpu-backend.js';
import { WebGpuUnavailableError } from './errors.js';
import { GpuContext } from './gpu/context.js';
import { requestBackendDevice } from './request-device.js';

/** Debugging aids of {@link createWebGpuBackend}. */
export interface WebGpuDebugOptions {
  /** Receives the cache key and WGSL source of every pipeline when it is compiled. Default: none. */
  dumpWgsl?: (label: string, code: string) => void;
}

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /**
   * Device to run on. The backend does not destroy a device it was given. Default: a device requested
   * from `adapter` with the adapter's largest buffer limits.
   */
  device?: GPUDevice;
  /** Adapter to request the device from when `device` is absent. Default: `navigator.gpu.requestAdapter()`. */
  adapter?: GPUAdapter;
  /** Power preference for the default adapter. Default: the browser's choice. */
  powerPreference?: GPUPowerPreference;
  /** Debugging aids. Default: none. */
  debug?: WebGpuDebugOptions;
  /**
   * Records per-kernel GPU timings with timestamp queries, read with `readKernelTimings()`. Needs the
   * `timestamp-query` feature on the device; without it the option is ignored. Every dispatch then
   * gets its own compute pass, which costs some speed. Default: false.
   */
  timestamps?: boolean;
  /**
   * Caps the bytes of one storage binding below the device's `maxStorageBufferBindingSize`, so tensors
   * are split as they would be on a device with that limit (128 MiB on many phones). Default: the
   * device's limit.
   */
  maxStorageBufferBindingSize?: number;
  /**
   * Multiplies fp16 weights in native f16 arithmetic when the device has `shader-f16`; the backend then
   * reports `precision: 'f16'`. Otherwise fp16 data is widened with `unpack2x16float` and all
   * arithmetic is f32. Default: true.
   */
  shaderF16?: boolean;
}

/**
 * Creates a WebGPU backend for the MiniChat runtime. Works in browsers (on `navigator.gpu`) and in
 * Node with a Dawn device (see `createNodeWebGpuBackend` in `@minichat/kernels-webgpu/node`).
 *
 * @throws WebGpuUnavailableError when no adapter or device can be obtained.
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const timestamps = options.timestamps ?? false;
  let device = options.device;
  let ownsDevice = false;
  let description = 'WebGPU device';
  if (device === undefined) {
    const adapter = options.adapter ?? (await requestDefaultAdapter(options.powerPreference));
    description = describeAdapter(adapter.info);
    device = await requestBackendDevice(adapter, { timestamps });
    ownsDevice = true;
  } else if (device.adapterInfo) {
    description = describeAdapter(device.adapterInfo);
  }
  const owned = device;
  return createBackendOnDevice(device, options, description, () => {
    if (ownsDevice) owned.destroy();
  });
}

/** Creates the backend on a device; `onDispose` runs after the backend freed its buffers. */
export function createBackendOnDevice(
  device: GPUDevice,
  options: Omit<WebGpuBackendOptions, 'device' | 'adapter' | 'powerPreference'>,
  description: string,
  onDispose: () => void,
): WebGpuBackend {
  const context = new GpuContext(device, {
    dumpWgsl: options.debug?.dumpWgsl,
    timestamps: options.timestamps ?? false,
    maxStorageBufferBindingSize: options.maxStorageBufferBindingSize,
  });
  const nativeF16 = (options.shaderF16 ?? true) && device.features.has('shader-f16');
  return new WebGpuBackendImpl(context, description, nativeF16, onDispose);
}

async function requestDefaultAdapter(powerPreference: GPUPowerPreference | undefined): Promise<GPUAdapter> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined) {
    throw new WebGpuUnavailableError(
      'navigator.gpu is missing: this environment has no WebGPU. In Node, use createNodeWebGpuBackend ' +
        "from '@minichat/kernels-webgpu/node' or pass a device.",
    );
  }
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : undefined);
  if (adapter === null) {
    throw new WebGpuUnavailableError(
      'navigator.gpu.requestAdapter() returned no adapter; WebGPU may be disabled.',
    );
  }
  return adapter;
}

/** Renders adapter facts such as `WebGPU (google swiftshader)` for `BackendInfo.description`. */
export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'WebGPU device';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part);
  return parts.length > 0 ? `WebGPU (${parts.join(' ')})` : 'WebGPU device';
}
