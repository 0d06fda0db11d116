import { InvalidParameterError, InvalidRequestError, UnsupportedParameterError } from '../errors.js';
import { MAX_COMPLETION_LOGPROBS } from '../limits.js';
import { COMMON_FIELDS, readCommonFields, UNSUPPORTED_FIELDS, type ValidatedCommonFields } from './common.js';
import { type JsonObject, readBoolean, readNumber, rejectOtherFields, requireObject } from './fields.js';

/** A validated completions request. */
export interface ValidatedCompletionRequest extends ValidatedCommonFields {
  /** The prompt text, which the tokenizer encodes with BOS, or token ids used as given (BOS included by the caller). */
  prompt: string | number[];
}

const COMPLETION_FIELDS = new Set([...COMMON_FIELDS, 'prompt', 'logprobs', 'echo', 'best_of']);

/** Returns whether `value` is a non-empty array of token ids (non-negative safe integers). */
function isTokenIds(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((entry) => typeof entry === 'number' && Number.isSafeInteger(entry) && entry >= 0)
  );
}

/** Reads `prompt`: a string, an array holding exactly one string, or an array of token ids. */
function readPrompt(body: JsonObject): string | number[] {
  const prompt = body.prompt;
  if (prompt === undefined) {
    throw new InvalidRequestError(
      "Missing required field 'prompt': send the text to continue as a string.",
      'prompt',
      'missing_required_parameter',
    );
  }
  if (typeof prompt === 'string') return prompt;
  if (isTokenIds(prompt)) return prompt;
  if (
    Array.isArray(prompt) &&
    prompt.length === 1 &&
    (typeof prompt[0] === 'string' || isTokenIds(prompt[0]))
  ) {
    return prompt[0];
  }
  if (
    Array.isArray(prompt) &&
    prompt.length > 1 &&
    prompt.every((entry) => typeof entry === 'string' || isTokenIds(entry))
  ) {
    throw new UnsupportedParameterError(
      'prompt',
      'batches of several prompts are not implemented; send one request per prompt.',
      'unsupported_parameter',
    );
  }
  throw new InvalidParameterError('prompt', prompt, 'expected a string, or a non-empty array of token ids');
}

/**
 * Validates the body of a completions request.
 *
 * @throws {@link InvalidRequestError} (or a subclass) naming the field at fault
 */
export function validateCompletionRequest(body: unknown): ValidatedCompletionRequest {
  const object = requireObject(body, 'completions');
  rejectOtherFields(object, COMPLETION_FIELDS, UNSUPPORTED_FIELDS);
  const common = readCommonFields(object);
  const prompt = readPrompt(object);

  if (readBoolean(object, 'echo') === true) {
    throw new UnsupportedParameterError(
      'echo',
      'echoing the prompt is not implemented.',
      'unsupported_parameter',
    );
  }
  readNumber(object, 'best_of', { min: 1, max: 1, integer: true });
  const logprobs = readNumber(object, 'logprobs', { min: 0, max: MAX_COMPLETION_LOGPROBS, integer: true });

  return {
    ...common,
    prompt,
    sampling: { ...common.sampling, logprobs: logprobs !== undefined, topLogprobs: logprobs ?? 0 },
  };
}
