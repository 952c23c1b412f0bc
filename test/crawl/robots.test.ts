import { describe, expect, it } from 'vitest';
import {
  ALLOW_ALL,
  DISALLOW_ALL,
  isAllowed,
  parseRobots,
  policyFor,
  productToken,
} from '../../src/crawl/robots.ts';

const UA = 'syndicate/0.1 (+https://ops.example/bot)';

function allowed(robots: string, path: string, userAgent = UA): boolean {
  return isAllowed(policyFor(parseRobots(robots), userAgent), `https://site.example${path}`);
}

describe('robots.txt (RFC 9309)', () => {
  it('reads the product token of the User-Agent', () => {
    expect(productToken(UA)).toBe('syndicate');
  });

  it.each([
    // [robots.txt, path, allowed]
    ['User-agent: *\nDisallow: /private', '/private/page', false],
    ['User-agent: *\nDisallow: /private', '/public', true],
    ['User-agent: *\nDisallow: /', '/anything', false],
    ['User-agent: *\nDisallow:', '/anything', true],
    ['User-agent: *\nDisallow: /a\nAllow: /a/b', '/a/b/c', true],
    ['User-agent: *\nAllow: /a/b\nDisallow: /a', '/a/b/c', true],
    ['User-agent: *\nDisallow: /a/b\nAllow: /a', '/a/b/c', false],
    // Allow wins a tie of equal length.
    ['User-agent: *\nDisallow: /page\nAllow: /page', '/page', true],
    // Wildcards and end anchors.
    ['User-agent: *\nDisallow: /*.pdf$', '/docs/file.pdf', false],
    ['User-agent: *\nDisallow: /*.pdf$', '/docs/file.pdf?x=1', true],
    ['User-agent: *\nDisallow: /*/print', '/2024/print/article', false],
    ['User-agent: *\nDisallow: /*?session=', '/page?session=1', false],
    ['User-agent: *\nDisallow: /*?session=', '/page?other=1', true],
    ['User-agent: *\nDisallow: /fish$', '/fish', false],
    ['User-agent: *\nDisallow: /fish$', '/fishing', true],
    // Percent-encoding compared decoded, whichever side is encoded.
    ['User-agent: *\nDisallow: /~joe/', '/%7Ejoe/page', false],
    ['User-agent: *\nDisallow: /%7Ejoe/', '/~joe/page', false],
    ['User-agent: *\nDisallow: /%7ejoe/', '/~joe/page', false],
    ['User-agent: *\nDisallow: /café', '/caf%C3%A9/menu', false],
    ['User-agent: *\nDisallow: /a%2Fb', '/a/b', true],
    // Groups: the named group alone applies to us; `*` is not merged into it.
    ['User-agent: *\nDisallow: /\n\nUser-agent: syndicate\nDisallow: /secret', '/open', true],
    ['User-agent: *\nDisallow: /open\n\nUser-agent: Syndicate\nDisallow: /secret', '/open', true],
    ['User-agent: *\nDisallow: /open\n\nUser-agent: Syndicate\nDisallow: /secret', '/secret', false],
    ['User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /x', '/y', true],
    // Consecutive user-agent lines form one group; two groups for us are combined.
    [
      'User-agent: a\nUser-agent: syndicate\nDisallow: /one\n\nUser-agent: syndicate\nDisallow: /two',
      '/two',
      false,
    ],
    [
      'User-agent: a\nUser-agent: syndicate\nDisallow: /one\n\nUser-agent: syndicate\nDisallow: /two',
      '/one',
      false,
    ],
    // Comments, odd spacing and case of keys.
    ['# hello\nUSER-AGENT : * # all\n  disallow :  /x # no', '/x/1', false],
    // A rule before any user-agent line belongs to no group.
    ['Disallow: /\nUser-agent: *\nAllow: /', '/page', true],
  ])('%j: %s allowed is %s', (robots, path, expected) => {
    expect(allowed(robots, path)).toBe(expected);
  });

  it('always allows /robots.txt itself', () => {
    expect(allowed('User-agent: *\nDisallow: /', '/robots.txt')).toBe(true);
  });

  it('reads Crawl-delay of the chosen group and the Sitemap lines', () => {
    const robots = parseRobots(
      'Sitemap: https://site.example/s1.xml\nUser-agent: *\nCrawl-delay: 9\n\nUser-agent: syndicate\nCrawl-delay: 2.5\nDisallow: /x\nSitemap: https://site.example/s2.xml',
    );
    const policy = policyFor(robots, UA);
    expect(policy.crawlDelaySeconds).toBe(2.5);
    expect(policy.sitemaps).toEqual(['https://site.example/s1.xml', 'https://site.example/s2.xml']);
    expect(policyFor(robots, 'otherbot/1').crawlDelaySeconds).toBe(9);
  });

  it('allows everything without rules and nothing when unavailable', () => {
    expect(isAllowed(ALLOW_ALL, 'https://site.example/a')).toBe(true);
    expect(isAllowed(DISALLOW_ALL, 'https://site.example/a')).toBe(false);
  });
});
