import { describe, expect, it } from 'vitest';
import {
  bareHost,
  hostKey,
  isAbsoluteHttpUrl,
  matchKey,
  normaliseUrl,
  resolveHttpUrl,
  sameSite,
  siteHost,
  siteHostOf,
  siteOf,
  twinKey,
} from '../../src/net/url.ts';

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

describe('the two normal forms side by side', () => {
  // One row a link; `fetching` is what the crawler requests, `matching` the key an article's URL
  // is compared with. Where they differ, the difference is the point of having two.
  it.each([
    // input, normaliseUrl (fetching), matchKey (matching)
    ['https://www.pub.example/a/', 'https://www.pub.example/a/', 'pub.example/a'],
    ['http://pub.example/a', 'http://pub.example/a', 'pub.example/a'],
    ['https://pub.example./a#x', 'https://pub.example/a', 'pub.example/a'],
    ['https://pub.example/a?b=2&a=1', 'https://pub.example/a?b=2&a=1', 'pub.example/a?a=1&b=2'],
    ['https://pub.example/a?utm_source=x&ref_src=tw', 'https://pub.example/a?ref_src=tw', 'pub.example/a'],
    ['https://pub.example/a?gbraid=1', 'https://pub.example/a', 'pub.example/a?gbraid=1'],
    ['https://pub.example/a/amp/', 'https://pub.example/a/amp/', 'pub.example/a'],
    ['https://amp.pub.example/a.amp.html', 'https://amp.pub.example/a.amp.html', 'pub.example/a.html'],
    [
      'https://pub-example.cdn.ampproject.org/c/s/pub.example/a',
      'https://pub-example.cdn.ampproject.org/c/s/pub.example/a',
      'pub.example/a',
    ],
    ['https://pub.example/a/index.html', 'https://pub.example/a/index.html', 'pub.example/a'],
    // matchKey keeps percent escapes as written (today's behaviour; a link written %7e misses).
    ['https://pub.example/%7ea', 'https://pub.example/~a', 'pub.example/%7ea'],
    ['https://pub.example:8443/a', 'https://pub.example:8443/a', 'pub.example/a'],
    ['ftp://pub.example/a', undefined, undefined],
    ['no url', undefined, undefined],
  ])('%s', (input, fetching, matching) => {
    expect(normaliseUrl(input)).toBe(fetching);
    expect(matchKey(input)).toBe(matching);
  });
});

describe('hosts and sites', () => {
  it.each([
    // hostname, siteHost, bareHost
    ['www.pub.example', 'pub.example', 'pub.example'],
    ['WWW.Pub.Example', 'pub.example', 'pub.example'],
    ['pub.example.', 'pub.example.', 'pub.example'],
    ['www.pub.example.', 'pub.example.', 'pub.example'],
    ['wwwpub.example', 'wwwpub.example', 'wwwpub.example'],
    ['www2.pub.example', 'www2.pub.example', 'www2.pub.example'],
  ])('%s', (hostname, site, bare) => {
    expect(siteHost(hostname)).toBe(site);
    expect(bareHost(hostname)).toBe(bare);
  });

  const sites = [
    { id: 'blog', url: 'https://blog.example/' },
    { id: 'news', url: 'https://www.news.example/' },
  ];
  it.each([
    // page URL, site by bareHost (checking), site by siteHost (findings)
    ['https://www.blog.example/a', 'blog', 'blog'],
    ['https://news.example/b', 'news', 'news'],
    ['https://blog.example.:8080/a', 'blog', undefined],
    ['https://evil.example/a', undefined, undefined],
    ['https://blog.example.evil.example/a', undefined, undefined],
    ['not a url', undefined, undefined],
  ])('%s belongs to %s', (url, checking, findings) => {
    expect(siteOf(sites, url)?.id).toBe(checking);
    expect(siteOf(sites, url, siteHost)?.id).toBe(findings);
  });

  it('reads the site host of a URL, or nothing', () => {
    expect(siteHostOf('https://www.blog.example/x')).toBe('blog.example');
    expect(siteHostOf('blog.example/x')).toBeUndefined();
  });

  it('resolves only http(s) links', () => {
    expect(resolveHttpUrl(' ../b ', 'https://blog.example/a/c')?.href).toBe('https://blog.example/b');
    expect(resolveHttpUrl('mailto:a@blog.example', 'https://blog.example/')).toBeUndefined();
    expect(resolveHttpUrl('http://[bad', 'https://blog.example/')).toBeUndefined();
  });

  it.each([
    ['https://blog.example/', true],
    ['http://blog.example', true],
    ['ftp://blog.example/', false],
    ['/relative/path', false],
    ['blog.example', false],
  ])('isAbsoluteHttpUrl(%s) is %s', (text, expected) => {
    expect(isAbsoluteHttpUrl(text)).toBe(expected);
  });
});
