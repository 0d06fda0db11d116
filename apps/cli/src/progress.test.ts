import { describe, expect, test } from 'vitest';
import { formatBytes, formatSeconds, ProgressBar } from './progress.js';

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } };
}

test('formatBytes uses decimal units', () => {
  expect(formatBytes(0)).toBe('0 B');
  expect(formatBytes(999)).toBe('999 B');
  expect(formatBytes(1_820_000_000)).toBe('1.82 GB');
  expect(formatBytes(749_000)).toBe('749 kB');
  expect(formatBytes(12_345_678)).toBe('12.3 MB');
});

test('formatSeconds switches to minutes', () => {
  expect(formatSeconds(0.5)).toBe('0.50 s');
  expect(formatSeconds(12.34)).toBe('12.3 s');
  expect(formatSeconds(125)).toBe('2 min 05 s');
});

describe('ProgressBar', () => {
  test('renders bar, percent, amounts and rate', () => {
    let now = 0;
    const { stream } = recorder(true);
    const bar = new ProgressBar(stream, { label: 'output.safetensors', total: 2_000_000, now: () => now });
    now = 1000;
    bar.update(500_000);

    expect(bar.render(now)).toBe(
      'output.safetensors [######------------------]  25%  500 kB / 2.00 MB  500 kB/s  1.00 s',
    );
  });

  test('redraws in place on a terminal', () => {
    let now = 0;
    const { stream, writes } = recorder(true);
    const bar = new ProgressBar(stream, { label: 'f', total: 10, unit: 'items', now: () => now });
    bar.update(1);
    now = 50;
    bar.update(2);
    now = 200;
    bar.update(5);
    bar.finish();

    expect(writes).toHaveLength(3);
    expect(writes.every((text) => text.startsWith('\r\x1b[K'))).toBe(true);
    expect(writes[2]).toMatch(/ 50% {2}5\/10 /);
    expect(writes[2]?.endsWith('\n')).toBe(true);
  });

  test('writes one summary line on a pipe', () => {
    const { stream, writes } = recorder(false);
    const bar = new ProgressBar(stream, { label: 'config.json', total: 100, now: () => 0 });
    bar.update(50);
    bar.update(100);
    bar.finish();

    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^config\.json \[#{24}\] 100% {2}100 B \/ 100 B/);
  });

  test('finish with a note replaces the summary', () => {
    const { stream, writes } = recorder(false);
    new ProgressBar(stream, { label: 'tokenizer.model', total: 5 }).finish('cached');

    expect(writes).toEqual(['tokenizer.model: cached\n']);
  });
});
