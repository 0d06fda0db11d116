/**
 * Errors of `@minichat/kernels-gpujs` that are specific to gpu.js: choosing a mode and texture limits.
 * Invalid arguments to backend ops raise the runtime's `BackendUsageError`, as every backend does.
 */

const kernelsGpuJsErrorMarker = Symbol.for('@minichat/kernels-gpujs/error');

/** Base class of every error this package raises on purpose, apart from `BackendUsageError`. */
export class KernelsGpuJsError extends Error {
  /** Marker that survives copies of the package (see {@link KernelsGpuJsError.isInstance}). */
  readonly [kernelsGpuJsErrorMarker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KernelsGpuJsError';
  }

  /** Tells whether `error` is a {@link KernelsGpuJsError}, even one created by another copy of this package. */
  static isInstance(error: unknown): error is KernelsGpuJsError {
    return typeof error === 'object' && error !== null && kernelsGpuJsErrorMarker in error;
  }
}

/** The requested gpu.js mode cannot run on this platform. */
export class UnavailableModeError extends KernelsGpuJsError {
  /** The mode that was requested. */
  readonly requested: string;
  /** The modes that can run here, best first. */
  readonly available: readonly string[];

  constructor(requested: string, available: readonly string[], options?: { cause?: unknown }) {
    super(
      `The gpu.js mode "${requested}" is not available on this platform. Available modes: ` +
        `${available.join(', ')}. Pass one of them as \`mode\`, or \`auto\` to pick the best one.`,
      options,
    );
    this.name = 'UnavailableModeError';
    this.requested = requested;
    this.available = available;
  }
}

/** A weight or cache needs more elements than one gpu.js argument can address exactly in this mode. */
export class TextureLimitError extends KernelsGpuJsError {
  /** Name of the upload, such as a layer name. */
  readonly label: string;
  /** Elements the upload needs. */
  readonly elements: number;
  /** Maximum number of elements of one argument in this mode. */
  readonly limit: number;

  constructor(label: string, elements: number, limit: number) {
    super(
      `${label} needs ${elements} elements in one gpu.js argument, more than the ${limit} that this mode ` +
        'addresses exactly. Use the webgl2, headlessgl, webasm or cpu mode, or a smaller layer.',
    );
    this.name = 'TextureLimitError';
    this.label = label;
    this.elements = elements;
    this.limit = limit;
  }
}
