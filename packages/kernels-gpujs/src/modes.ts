import { GPU } from 'gpu.js';
import { UnavailableModeError } from './errors.js';

/** A gpu.js mode this backend can run in. */
export type GpuJsMode = 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

/** A mode, or `auto` for the best available one. */
export type GpuJsModeRequest = GpuJsMode | 'auto';

/** Every mode, best first: the order `auto` tries them in. */
export const GPUJS_MODES: readonly GpuJsMode[] = ['webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

/**
 * Lists the modes gpu.js can run on this platform, best first. In Node these are `headlessgl` (when the
 * optional `gl` package is built and a display is available), `webasm` and `cpu`. In browsers they are
 * `webgl2`, `webgl`, `webasm` and `cpu`. `cpu` is always available.
 */
export function availableGpuJsModes(): GpuJsMode[] {
  return GPUJS_MODES.filter((mode) => isModeSupported(mode));
}

/**
 * Picks the mode to run in: the requested one when it is available, or the best available one for
 * `auto`.
 *
 * @throws {@link UnavailableModeError} when the requested mode is not available or not a mode at all
 */
export function resolveGpuJsMode(request: GpuJsModeRequest): GpuJsMode {
  const available = availableGpuJsModes();
  if (request === 'auto') return available[0] ?? 'cpu';
  if (!available.includes(request)) throw new UnavailableModeError(String(request), available);
  return request;
}

function isModeSupported(mode: GpuJsMode): boolean {
  switch (mode) {
    case 'webgl2':
      return GPU.isWebGL2Supported;
    case 'webgl':
      return GPU.isWebGLSupported;
    case 'headlessgl':
      return GPU.isHeadlessGLSupported;
    case 'webasm':
      return GPU.isWebAssemblySupported;
    case 'cpu':
      return true;
    default:
      return false;
  }
}
