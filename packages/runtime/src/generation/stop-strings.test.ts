import { describe, expect, test } from 'vitest';
import { StopStringMatcher } from './stop-strings.js';

describe('StopStringMatcher', () => {
  test('holds back a possible stop string', () => {
    const matcher = new StopStringMatcher(['</end>']);
    expect(matcher.push('Hello <')).toEqual({ text: 'Hello ', stop: undefined });
    expect(matcher.push('/en')).toEqual({ text: '', stop: undefined });
    expect(matcher.push('d> tail')).toEqual({ text: '', stop: '</end>' });
  });

  test('releases text that stops matching', () => {
    const matcher = new StopStringMatcher(['abc']);
    expect(matcher.push('xab')).toEqual({ text: 'x', stop: undefined });
    expect(matcher.push('d')).toEqual({ text: 'abd', stop: undefined });
    expect(matcher.flush()).toBe('');
  });

  test('earliest of several stop strings wins', () => {
    const matcher = new StopStringMatcher(['world', 'lo w']);
    expect(matcher.push('hello world')).toEqual({ text: 'hel', stop: 'lo w' });
  });

  test('flush returns held text', () => {
    const matcher = new StopStringMatcher(['STOP']);
    expect(matcher.push('end ST')).toEqual({ text: 'end ', stop: undefined });
    expect(matcher.flush()).toBe('ST');
  });

  test('works on Chinese text', () => {
    const matcher = new StopStringMatcher(['用户：']);
    expect(matcher.push('你好。用')).toEqual({ text: '你好。', stop: undefined });
    expect(matcher.push('户：再见')).toEqual({ text: '', stop: '用户：' });
  });
});
