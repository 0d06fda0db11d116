import { describe, expect, test } from 'vitest';
import { formatSseComment, formatSseEvent, SSE_DONE } from './sse.js';

describe('server-sent events', () => {
  test('event with line breaks stays one line', () => {
    const event = formatSseEvent({ content: 'first\nsecond\r\n你好' });

    expect(event).toBe('data: {"content":"first\\nsecond\\r\\n你好"}\n\n');
    expect(event.slice(0, -2).includes('\n')).toBe(false);
  });

  test('comment drops line breaks', () => {
    expect(formatSseComment('keep\nalive')).toBe(': keep alive\n\n');
  });

  test('stream ends with DONE', () => {
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
  });
});
