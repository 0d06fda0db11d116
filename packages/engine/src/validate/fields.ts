import { InvalidParameterError, InvalidRequestError, UnsupportedParameterError } from '../errors.js';

/** A parsed JSON object from a request body. */
export type JsonObject = Record<string, unknown>;

/** Returns whether `value` is a plain JSON object (not an array or `null`). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that the request body is a JSON object. */
export function requireObject(body: unknown, what: string): JsonObject {
  if (!isJsonObject(body)) {
    throw new InvalidRequestError(
      `The ${what} request body must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}.`,
      null,
      'invalid_type',
    );
  }
  return body;
}

/**
 * Rejects every field of `object` that is not in `supported`. A field in `unsupported` gets its reason;
 * any other field is reported as unknown.
 */
export function rejectOtherFields(
  object: JsonObject,
  supported: ReadonlySet<string>,
  unsupported: Readonly<Record<string, string>>,
  prefix = '',
): void {
  for (const key of Object.keys(object)) {
    if (supported.has(key)) continue;
    const reason = unsupported[key];
    if (reason !== undefined) {
      // A field that is present but null or false requests nothing, so it is accepted.
      const value = object[key];
      if (value === null || value === false) continue;
      throw new UnsupportedParameterError(`${prefix}${key}`, reason, 'unsupported_parameter');
    }
    throw new UnsupportedParameterError(
      `${prefix}${key}`,
      `Supported fields: ${[...supported].sort().join(', ')}.`,
      'unknown_parameter',
    );
  }
}

/** Constraints of {@link readNumber}. */
export interface NumberRule {
  /** Smallest allowed value. */
  min?: number;
  /** Largest allowed value. */
  max?: number;
  /** Whether `min` itself is excluded. Default false. */
  exclusiveMin?: boolean;
  /** Whether only integers are allowed. Default false. */
  integer?: boolean;
}

/** Describes a {@link NumberRule} for an error message, for example `an integer in [0, 20]`. */
function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const low = rule.min === undefined ? undefined : `${rule.exclusiveMin ? '(' : '['}${rule.min}`;
  if (low !== undefined && rule.max !== undefined) return `expected ${kind} in ${low}, ${rule.max}]`;
  if (low !== undefined) return `expected ${kind} ${rule.exclusiveMin ? '>' : '>='} ${rule.min}`;
  if (rule.max !== undefined) return `expected ${kind} <= ${rule.max}`;
  return `expected ${kind}`;
}

/** Reads an optional number field; `null` and absence both return `undefined`. */
export function readNumber(
  object: JsonObject,
  key: string,
  rule: NumberRule,
  prefix = '',
): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isSafeInteger(value)) &&
    (rule.min === undefined || (rule.exclusiveMin ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || value <= rule.max);
  if (!valid) throw new InvalidParameterError(`${prefix}${key}`, value, describeRule(rule));
  return value;
}

/** Reads an optional boolean field; `null` and absence both return `undefined`. */
export function readBoolean(object: JsonObject, key: string, prefix = ''): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new InvalidParameterError(`${prefix}${key}`, value, 'expected true or false');
  return value;
}

/** Reads an optional string field; `null` and absence both return `undefined`. */
export function readString(object: JsonObject, key: string, prefix = ''): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new InvalidParameterError(`${prefix}${key}`, value, 'expected a string');
  return value;
}
