import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthenticationError } from './http-errors.js';

/** SHA-256 of a key, so that keys of different lengths compare in constant time. */
function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Returns a check that accepts a request only with `Authorization: Bearer <apiKey>`. The comparison
 * takes the same time for every wrong key, so response times reveal nothing about the key.
 */
export function createApiKeyCheck(apiKey: string): (request: IncomingMessage) => void {
  const expected = digest(apiKey);
  return (request) => {
    const header = request.headers.authorization;
    if (header === undefined) throw new AuthenticationError('missing');
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match === null) throw new AuthenticationError('missing');
    if (!timingSafeEqual(digest(match[1]!), expected)) throw new AuthenticationError('invalid');
  };
}
