import { describe, expect, it } from 'vitest';
import { locateRaiseException, positionAt, tagEnds } from './template-position.js';

describe('positionAt', () => {
  it('counts lines and columns from 1', () => {
    expect(positionAt('ab\ncd', 0)).toEqual({ offset: 0, line: 1, column: 1 });
    expect(positionAt('ab\ncd', 4)).toEqual({ offset: 4, line: 2, column: 2 });
    expect(positionAt('ab\ncd', 99)).toEqual({ offset: 5, line: 2, column: 3 });
  });
});

describe('tagEnds', () => {
  it('ends each tag after its closer', () => {
    expect(tagEnds('a{{ x }}b{% if y %}c{# z #}')).toEqual([8, 19, 27]);
  });

  it('skips closers inside strings', () => {
    expect(tagEnds("{{ '}}' }}x")).toEqual([10, 11]);
    expect(tagEnds('{{ "a\\"}}" }}')).toEqual([13]);
  });

  it('stops at an unclosed tag', () => {
    expect(tagEnds('{{ x }}{% if')).toEqual([7, 12]);
    expect(tagEnds('plain text')).toEqual([10]);
  });
});

describe('locateRaiseException', () => {
  it('prefers the call with the exact message', () => {
    const source = "{{ raise_exception('a') }}\n{{ raise_exception('b') }}";
    expect(locateRaiseException(source, 'b')).toEqual({ offset: 30, line: 2, column: 4 });
  });

  it('matches a literal that starts the message', () => {
    const source = "{{ raise_exception('x') }}{{ raise_exception('Unknown role: ' + role) }}";
    expect(locateRaiseException(source, 'Unknown role: tool')?.offset).toBe(29);
  });

  it('falls back to the only call', () => {
    expect(locateRaiseException('{{ raise_exception(message) }}', 'computed')?.column).toBe(4);
    expect(
      locateRaiseException('{{ raise_exception(a) }}{{ raise_exception(b) }}', 'computed'),
    ).toBeUndefined();
  });
});
