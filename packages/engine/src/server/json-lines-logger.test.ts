import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { jsonLinesLogger } from './json-lines-logger.js';

/** Collects what a logger writes to a stream. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

test('one JSON object per line', () => {
  const { stream, text } = capture();
  const log = jsonLinesLogger(stream);

  log({ level: 'info', time: '2026-01-01T00:00:00.000Z', event: 'a', note: 'x\ny' });
  log({ level: 'warn', time: '2026-01-01T00:00:01.000Z', event: 'b' });

  const lines = text().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[2]).toBe('');
  expect(JSON.parse(lines[0]!)).toEqual({
    level: 'info',
    time: '2026-01-01T00:00:00.000Z',
    event: 'a',
    note: 'x\ny',
  });
  expect(JSON.parse(lines[1]!).event).toBe('b');
});

test('unserializable record becomes an error line', () => {
  const { stream, text } = capture();
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  jsonLinesLogger(stream)({ level: 'info', time: 't', event: 'completion', cyclic });

  const record = JSON.parse(text());
  expect(record).toMatchObject({
    level: 'error',
    event: 'log_serialization_failed',
    original_event: 'completion',
  });
  expect(record.error_message).toMatch(/circular/i);
});
