/** Fields that locate a format error: the file, the tensor and the mismatch. */
export interface Exl2FormatErrorDetails {
  /** File or source name the error was found in, when known. */
  file?: string;
  /** Tensor (or config field) name the error concerns, when there is one. */
  tensor?: string;
  /** What the reader expected, in words or as a value. */
  expected?: string;
  /** What the reader found instead. */
  actual?: string;
  /** Lower-level error that caused this one. */
  cause?: unknown;
}

/**
 * Base class of every error this package raises. The named fields locate the problem so callers
 * can report it without parsing the message.
 */
export class Exl2FormatError extends Error {
  /** File or source name the error was found in, when known. */
  readonly file: string | undefined;
  /** Tensor (or config field) name the error concerns, when there is one. */
  readonly tensor: string | undefined;
  /** What the reader expected. */
  readonly expected: string | undefined;
  /** What the reader found instead. */
  readonly actual: string | undefined;

  constructor(message: string, details: Exl2FormatErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.file = details.file;
    this.tensor = details.tensor;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** A safetensors header that is truncated, malformed or out of its named limits. */
export class SafetensorsHeaderError extends Exl2FormatError {}

/** EXL2 layer tensors that disagree with each other or with the model config. */
export class Exl2TensorError extends Exl2FormatError {}

/** A `config.json` or `generation_config.json` that is missing fields or holds invalid values. */
export class ModelConfigError extends Exl2FormatError {}

/** A model that is valid but uses an architecture or option this package does not implement. */
export class UnsupportedModelError extends Exl2FormatError {}

/** A byte source that could not deliver the requested range (short file, HTTP failure, abort). */
export class ByteSourceError extends Exl2FormatError {}

/** A file or tensor name that does not exist; the message lists the valid choices. */
export class NotFoundError extends Exl2FormatError {}

/** Invalid options passed to a writer, quantizer or converter. */
export class InvalidOptionError extends Exl2FormatError {}

/** A llama2.c checkpoint or tokenizer file whose header or size is invalid. */
export class Llama2cFormatError extends Exl2FormatError {}

/** Formats up to `max` names of a list for an error message. */
export function listChoices(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown || '(none)';
}
