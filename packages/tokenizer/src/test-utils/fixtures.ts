import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a file from the shared read-only fixtures folder named by `MINICHAT_FIXTURES`. */
export function readFixture(...path: string[]): Uint8Array {
  const root = process.env.MINICHAT_FIXTURES;
  if (root === undefined) throw new Error('MINICHAT_FIXTURES is not set; run the tests through vitest.');
  return new Uint8Array(readFileSync(join(root, ...path)));
}

/** Reads and parses a JSON fixture. */
export function readJsonFixture<T>(...path: string[]): T {
  return JSON.parse(new TextDecoder().decode(readFixture(...path))) as T;
}

/** Full path of a fixture, for tools that load from disk. */
export function fixturePath(...path: string[]): string {
  const root = process.env.MINICHAT_FIXTURES;
  if (root === undefined) throw new Error('MINICHAT_FIXTURES is not set; run the tests through vitest.');
  return join(root, ...path);
}
