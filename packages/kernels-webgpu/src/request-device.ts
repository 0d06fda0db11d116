import { WebGpuUnavailableError } from './errors.js';

/** Limits the backend raises to the adapter's maximum when it requests a device itself. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

/**
 * Requests a device with the adapter's largest buffer limits (the defaults cap storage bindings at
 * 128 MiB), `shader-f16` when the adapter has it, and `timestamp-query` when asked for and available.
 */
export async function requestBackendDevice(
  adapter: GPUAdapter,
  options: { timestamps: boolean },
): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('shader-f16')) requiredFeatures.push('shader-f16');
  if (options.timestamps && adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  try {
    return await adapter.requestDevice({ label: 'minichat', requiredLimits, requiredFeatures });
  } catch (cause) {
    throw new WebGpuUnavailableError(
      `requestDevice failed on the WebGPU adapter: ${String(cause)}. Retry, or request a device yourself and pass it as the device option.`,
      { cause },
    );
  }
}
