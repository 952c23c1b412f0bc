import { describe, expect, it } from 'vitest';
import { hostKey, normaliseUrl, sameSite, twinKey } from '../../src/crawl/url.ts';

describe('normaliseUrl', () => {
  it.each([
    ['HTTP://Blog.Example:80/a#frag', 'http://blog.example/a'],
    ['https://blog.example:443', 'https://blog.example/'],
    ['https://blog.example:8443/x', 'https://blog.example:8443/x'],
    ['https://blog.example/%7euser/%2f%c3%a9', 'https://blog.example/~user/%2F%C3%A9'],
    ['https://blog.example/p?utm_source=x&id=3&fbclid=y&utm_medium=z', 'https://blog.example/p?id=3'],
    ['https://blog.example/p?utm_source=x', 'https://blog.example/p'],
    ['https://blog.example/p?b=2&a=1', 'https://blog.example/p?b=2&a=1'],
    ['https://user:pw@blog.example./p', 'https://blog.example/p'],
    ['mailto:someone@blog.example', undefined],
    ['javascript:alert(1)', undefined],
    ['not a url', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseUrl(input)).toBe(expected);
  });

  it('resolves relative references against a base', () => {
    expect(normaliseUrl('../b?x=1#top', 'https://blog.example/a/c/d')).toBe('https://blog.example/a/b?x=1');
  });
});

describe('site scope', () => {
  it('counts the www twin as the same site, another host not', () => {
    expect(sameSite('https://www.blog.example/x', 'https://blog.example/')).toBe(true);
    expect(sameSite('https://blog.example/x', 'https://www.blog.example/')).toBe(true);
    expect(sameSite('https://evil.example/x', 'https://blog.example/')).toBe(false);
    expect(sameSite('https://blog.example.evil.example/', 'https://blog.example/')).toBe(false);
    expect(hostKey('https://www.blog.example/a')).toBe(hostKey('https://blog.example/b'));
    expect(twinKey('https://www.blog.example/a?x=1')).toBe(twinKey('https://blog.example/a?x=1'));
    expect(twinKey('https://www.blog.example/a')).not.toBe(twinKey('https://blog.example/b'));
  });
});
