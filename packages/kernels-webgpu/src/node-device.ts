import { create } from 'webgpu';
import { WebGpuUnavailableError } from './errors.js';
import { requestBackendDevice } from './request-device.js';

/**
 * Dawn instances by their options. Dawn tears an instance down when its `GPU` object is garbage-collected,
 * which crashed the process while devices or buffers of it were still alive, so each instance is created
 * once and kept for the life of the process.
 */
const instances = new Map<string, GPU>();

/** Options of {@link requestNodeDevice}. */
export interface NodeDeviceOptions {
  /** Dawn toggles passed to `create`, such as `'enable-dawn-features=allow_unsafe_apis'`. Default: none. */
  dawnOptions?: string[];
  /** Adapter preference. Default: the adapter's default. */
  powerPreference?: GPUPowerPreference;
}

/** The Dawn objects {@link requestNodeDevice} returns. */
export interface NodeDevice {
  /** Dawn's `GPU` object (the `navigator.gpu` of Node). */
  gpu: GPU;
  /** The adapter the device came from. */
  adapter: GPUAdapter;
  /** The device, with the adapter's largest buffer limits. */
  device: GPUDevice;
}

/**
 * Creates a Dawn `GPU` object and requests an adapter and a device from it, with the adapter's largest
 * buffer limits. Dawn picks its Vulkan, Metal or D3D12 backend; without a GPU, SwiftShader's Vulkan
 * driver works when `VK_ICD_FILENAMES` names it.
 */
export async function requestNodeDevice(options: NodeDeviceOptions = {}): Promise<NodeDevice> {
  const dawnOptions = options.dawnOptions ?? [];
  const key = JSON.stringify(dawnOptions);
  let gpu = instances.get(key);
  if (gpu === undefined) {
    gpu = create(dawnOptions);
    instances.set(key, gpu);
  }
  const adapter = await gpu.requestAdapter(
    options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
  );
  if (adapter === null) {
    throw new WebGpuUnavailableError(
      'Dawn found no WebGPU adapter. Install a Vulkan driver (on Linux without a GPU: set ' +
        'VK_ICD_FILENAMES to the SwiftShader ICD that Chromium ships, and install libvulkan1).',
    );
  }
  const device = await requestBackendDevice(adapter, { timestamps: true });
  return { gpu, adapter, device };
}
