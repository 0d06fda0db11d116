import { expect, test } from 'vitest';
import { formatRepoRef, parseRepoRef } from './repo-ref.js';

test.each([
  ['cgus/MiniChat-2-3B-exl2', { repo: 'cgus/MiniChat-2-3B-exl2', revision: 'main' }],
  ['cgus/MiniChat-2-3B-exl2@5bpw-h8', { repo: 'cgus/MiniChat-2-3B-exl2', revision: '5bpw-h8' }],
  ['karpathy/tinyllamas@refs/pr/1', { repo: 'karpathy/tinyllamas', revision: 'refs/pr/1' }],
  ['a/b.c_d', { repo: 'a/b.c_d', revision: 'main' }],
])('parseRepoRef accepts %s', (text, expected) => {
  expect(parseRepoRef(text)).toEqual(expected);
});

test.each([
  'MiniChat-2-3B-exl2',
  'a/b/c',
  '/abs/path',
  './dir/model',
  'a/b@',
  'a/b@../x',
  'a/..',
  'a/-b',
  'a b/c',
  `a/${'x'.repeat(97)}`,
])('parseRepoRef rejects %s', (text) => {
  expect(parseRepoRef(text)).toBeUndefined();
});

test('formatRepoRef omits main', () => {
  expect(formatRepoRef({ repo: 'a/b', revision: 'main' })).toBe('a/b');
  expect(formatRepoRef({ repo: 'a/b', revision: '8bpw' })).toBe('a/b@8bpw');
});
