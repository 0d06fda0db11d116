import type { IncomingMessage } from 'node:http';
import { InvalidBodyError, RequestTooLargeError } from './http-errors.js';

/**
 * Reads a JSON request body of at most `maxBytes` bytes. The `Content-Length` header is checked before
 * anything is read, and the running total while reading, so an oversized body is never buffered whole.
 *
 * A JSON content type is required: a browser page on another origin cannot send one without a CORS
 * preflight, which the server refuses unless CORS is configured.
 *
 * @throws {@link RequestTooLargeError} when the body exceeds `maxBytes`
 * @throws {@link InvalidBodyError} for another content type or malformed JSON
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new InvalidBodyError(
      `Expected the header 'Content-Type: application/json', got ${contentType === '' ? 'none' : `'${contentType}'`}.`,
      415,
    );
  }
  const announced = Number(request.headers['content-length']);
  if (Number.isFinite(announced) && announced > maxBytes) throw new RequestTooLargeError(maxBytes, announced);

  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new RequestTooLargeError(maxBytes, total);
    chunks.push(chunk);
  }

  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new InvalidBodyError('The request body is empty; send a JSON object.', 400);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidBodyError(
      `The request body is not valid JSON: ${(error as Error).message}. Send a JSON object.`,
      400,
      { cause: error },
    );
  }
}
