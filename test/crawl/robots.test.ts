import { describe, expect, it } from 'vitest';
import {
  ALLOW_ALL,
  DISALLOW_ALL,
  isAllowed,
  parseRobots,
  policyFor,
  productToken,
  robotsPolicyOf,
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
    // Only a rule ends a run of user-agent lines (RFC 9309 §2.2.4): an unknown line or a
    // Crawl-delay between two of them leaves one group for both.
    ['User-agent: GPTBot\nContent-Signal: ai-train=no\nUser-agent: syndicate\nDisallow: /', '/page', false],
    ['User-agent: syndicate\nCrawl-delay: 2\nUser-agent: other\nDisallow: /', '/page', false],
    ['User-agent: syndicate\nHost: site.example\nUser-agent: *\nDisallow: /x', '/x', false],
    // A user-agent value is read up to its product token, as the full header often is written.
    ['User-agent: syndicate/0.1\nDisallow: /', '/page', false],
  ])('%j: %s allowed is %s', (robots, path, expected) => {
    expect(allowed(robots, path)).toBe(expected);
  });

  it('always allows /robots.txt itself', () => {
    expect(allowed('User-agent: *\nDisallow: /', '/robots.txt')).toBe(true);
  });

  it('reads Crawl-delay of the chosen group and the Sitemap lines', () => {
    const robots = parseRobots(
      'Sitemap: https://site.example/s1.xml\nUser-agent: *\nCrawl-delay: 9\nDisallow: /y\n\nUser-agent: syndicate\nCrawl-delay: 2.5\nDisallow: /x\nSitemap: https://site.example/s2.xml',
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

  // A backtracking matcher takes minutes on these (31 s for 40 characters, never for 60); the
  // runner's timeout catches a hang, the benchmark measures the time.
  it.each([
    ['/*a*a*a*a*a*a*a*a*a*a*a*a*b', `/${'a'.repeat(5000)}`, true],
    ['/*a*a*a*a*a*a*a*a*a*a*a*a*b', `/${'a'.repeat(5000)}b`, false],
    [`/${'*a'.repeat(2000)}$`, `/${'a'.repeat(5000)}`, false],
    [`/${'*a'.repeat(2000)}$`, `/${'a'.repeat(1999)}`, true],
    ['/*aaaaaaaaaaaaaaaaaaaab$', `/${'a'.repeat(20000)}`, true],
  ])('matches the hostile pattern %#, with many stars, in bounded time', (pattern, path, expected) => {
    expect(allowed(`User-agent: *\nDisallow: ${pattern}`, path)).toBe(expected);
  });

  it('reads a 500 KiB robots.txt of hostile rules and decides each URL', () => {
    // Every rule different, so that none is folded into another and each is matched.
    const lines = Array.from({ length: 5000 }, (_, index) => `Disallow: /${'*a'.repeat(40)}*b${index}\n`);
    const text = `User-agent: *\n${lines.join('')}`;
    expect(text.length).toBeLessThan(500 * 1024);
    const policy = policyFor(parseRobots(text), UA);
    expect(policy.rules).toHaveLength(5000);
    expect(isAllowed(policy, `https://site.example/${'a'.repeat(2000)}`)).toBe(true);
    expect(isAllowed(policy, `https://site.example/${'a'.repeat(2000)}b17`)).toBe(false);
  });
});

describe('robotsPolicyOf', () => {
  const body = new TextEncoder().encode('User-agent: *\nDisallow: /private\n');
  it.each([
    [200, 'rules'],
    [204, 'rules'],
    [404, 'allow-all'],
    [401, 'allow-all'],
    [500, 'disallow-all'],
    [503, 'disallow-all'],
  ])('HTTP %i gives %s', (status, mode) => {
    expect(robotsPolicyOf(status, body, 'syndicate-bot/1.0').mode).toBe(mode);
  });
  it('reads the rules of a 2xx answer', () => {
    const policy = robotsPolicyOf(200, body, 'syndicate-bot/1.0');
    expect(isAllowed(policy, 'https://blog.example/private/a')).toBe(false);
    expect(isAllowed(policy, 'https://blog.example/public')).toBe(true);
  });
});
