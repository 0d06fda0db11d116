/// <reference types="@webgpu/types" />
/**
 * Node entry: creates the WebGPU backend on a Dawn device from the `webgpu` package.
 *
 * @packageDocumentation
 */
import type { WebGpuBackend } from './backend/webgpu-backend.js';
import { createBackendOnDevice, describeAdapter, type WebGpuBackendOptions } from './create.js';
import { type NodeDeviceOptions, requestNodeDevice } from './node-device.js';

export type { NodeDevice, NodeDeviceOptions } from './node-device.js';
export { requestNodeDevice } from './node-device.js';

/** Options of {@link createNodeWebGpuBackend}: the backend options (without `device` and `adapter`) and Dawn's. */
export interface NodeWebGpuBackendOptions
  extends Omit<WebGpuBackendOptions, 'device' | 'adapter'>,
    NodeDeviceOptions {}

/**
 * Creates a WebGPU backend on a new Dawn device. The backend owns the device and destroys it in
 * `dispose()`. Without a GPU, set `VK_ICD_FILENAMES` to SwiftShader's Vulkan driver
 * (`/usr/lib/chromium/vk_swiftshader_icd.json` with Debian's chromium package).
 *
 * @throws WebGpuUnavailableError when Dawn finds no adapter.
 */
export async function createNodeWebGpuBackend(
  options: NodeWebGpuBackendOptions = {},
): Promise<WebGpuBackend> {
  const { dawnOptions, powerPreference, ...backendOptions } = options;
  const deviceOptions: NodeDeviceOptions = {};
  if (dawnOptions) deviceOptions.dawnOptions = dawnOptions;
  if (powerPreference) deviceOptions.powerPreference = powerPreference;
  const { adapter, device } = await requestNodeDevice(deviceOptions);
  return createBackendOnDevice(device, backendOptions, describeAdapter(adapter.info), () => device.destroy());
}
