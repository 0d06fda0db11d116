import type { NormalizerSpecData } from './model-data.js';
import { SPACE_SYMBOL } from './vocabulary.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces each lone UTF-16 surrogate with U+FFFD. SentencePiece works on UTF-8 and replaces each
 * invalid byte with U+FFFD; a lone surrogate has no UTF-8 form, and TextEncoder maps it to U+FFFD too.
 */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Applies SentencePiece's identity normalizer. It optionally removes extra spaces, prepends the dummy
 * prefix `▁` to non-empty text and writes `▁` in place of each space. Only U+0020 counts as a space,
 * so tabs and newlines stay.
 */
export function normalizeText(text: string, spec: NormalizerSpecData): string {
  let body = toWellFormed(text);
  if (spec.removeExtraWhitespaces) body = body.replace(/^ +/, '').replace(/ {2,}/g, ' ');
  if (body.length === 0) return '';

  const space = spec.escapeWhitespaces ? SPACE_SYMBOL : ' ';
  if (spec.escapeWhitespaces) body = body.replaceAll(' ', SPACE_SYMBOL);
  if (spec.addDummyPrefix) body = space + body;
  if (spec.removeExtraWhitespaces) {
    // SentencePiece trims trailing whitespace after escaping, so a `▁` typed in the input (and the
    // dummy prefix of an all-space text) is trimmed too, while leading and inner `▁` stay.
    let end = body.length;
    while (end > 0 && body[end - 1] === space) end--;
    body = body.slice(0, end);
  }
  return body;
}
