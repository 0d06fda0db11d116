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
 * Applies SentencePiece's identity normalizer: optional removal of extra spaces, the dummy prefix
 * `▁` for non-empty text, and `▁` in place of each space (U+0020 only; tabs and newlines stay).
 */
export function normalizeText(text: string, spec: NormalizerSpecData): string {
  let body = toWellFormed(text);
  if (spec.removeExtraWhitespaces) body = body.replace(/ {2,}/g, ' ').replace(/^ | $/g, '');
  if (body.length === 0) return '';
  if (spec.escapeWhitespaces) body = body.replaceAll(' ', SPACE_SYMBOL);
  const space = spec.escapeWhitespaces ? SPACE_SYMBOL : ' ';
  return spec.addDummyPrefix ? space + body : body;
}
