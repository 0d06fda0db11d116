/** Base class of every error this package throws. Check with `instanceof WebGpuBackendError`. */
export class WebGpuBackendError extends Error {
  /** The error class name. */
  override name = 'WebGpuBackendError';
}

/** No WebGPU adapter or device could be obtained. */
export class WebGpuUnavailableError extends WebGpuBackendError {
  /** The error class name. */
  override name = 'WebGpuUnavailableError';
}

/** An argument does not fit the shape or range an op needs. */
export class WebGpuInvalidArgumentError extends WebGpuBackendError {
  /** The error class name. */
  override name = 'WebGpuInvalidArgumentError';
  /** Name of the argument or field. */
  readonly argument: string;
  /** The rejected value, rendered for the message. */
  readonly value: unknown;

  constructor(argument: string, value: unknown, reason: string, options?: { cause?: unknown }) {
    super(`Invalid ${argument} (${String(value)}): ${reason}`, options);
    this.argument = argument;
    this.value = value;
  }
}

/**
 * A single allocation is larger than the device allows, and the tensor cannot be split to fit, or the
 * model as a whole needs more than the device offers.
 */
export class WebGpuCapacityError extends WebGpuBackendError {
  /** The error class name. */
  override name = 'WebGpuCapacityError';
  /** The resource being allocated. */
  readonly resource: string;
  /** Bytes needed. */
  readonly requiredBytes: number;
  /** Bytes the device allows for it. */
  readonly limitBytes: number;

  constructor(resource: string, requiredBytes: number, limitBytes: number, advice: string) {
    super(
      `${resource} needs ${formatBytes(requiredBytes)} but the device allows ${formatBytes(limitBytes)}: ${advice}`,
    );
    this.resource = resource;
    this.requiredBytes = requiredBytes;
    this.limitBytes = limitBytes;
  }
}

/** The device reported a validation or out-of-memory error while running recorded work. */
export class WebGpuDeviceError extends WebGpuBackendError {
  /** The error class name. */
  override name = 'WebGpuDeviceError';
  /** `'validation'`, `'out-of-memory'` or `'internal'`. */
  readonly kind: string;

  constructor(kind: string, message: string, options?: { cause?: unknown }) {
    super(`WebGPU ${kind} error: ${message}`, options);
    this.kind = kind;
  }
}

/**
 * The GPU device was lost (driver reset, `device.destroy()`, tab in the background on some browsers).
 * Every resource of the backend is gone: dispose it, create a new backend and load the model again.
 */
export class WebGpuDeviceLostError extends WebGpuBackendError {
  /** The error class name. */
  override name = 'WebGpuDeviceLostError';
  /** The `GPUDeviceLostInfo.reason`: `'destroyed'` or `'unknown'`. */
  readonly reason: string;

  constructor(reason: string, detail: string) {
    super(
      `The WebGPU device was lost (reason: ${reason}${detail ? `, ${detail}` : ''}). ` +
        'Dispose this backend, create a new one and load the model again.',
    );
    this.reason = reason;
  }
}

/** The backend was used after `dispose()`, or a handle was used after `release()`. */
export class WebGpuDisposedError extends WebGpuBackendError {
  /** The error class name. */
  override name = 'WebGpuDisposedError';
}

/** Formats a byte count with a binary unit, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}
