import { describe, expect, it } from 'vitest';
import {
  decodeRobots,
  encodePath,
  isAllowed,
  isProductToken,
  parseRobots,
  pathToMatch,
  policyFor,
} from '../../src/crawl/robots.ts';

/**
 * The assertions of Google's reference test suite (google/robotstxt, robots_test.cc), restated as
 * tables: each row is one EXPECT of theirs, with the robots.txt, crawler name and URL it used.
 * Rows marked `google` hold the cases where Google goes beyond RFC 9309 (or where its API differs
 * from ours) and syndicate chose otherwise; the reason is in the row and in the README.
 */

type Row = [robots: string, agent: string, url: string, allowed: boolean];

function allowed(robots: string, agent: string, url: string): boolean {
  return isAllowed(policyFor(parseRobots(robots), agent), url);
}

function table(name: string, rows: Row[]): void {
  it.each(rows)(`${name}: %j as %s for %s is %s`, (robots, agent, url, expected) => {
    expect(allowed(robots, agent, url)).toBe(expected);
  });
}

const fooDisallowAll = 'user-agent: FooBot\ndisallow: /\n';

describe("Google's robots_test.cc, RFC cases", () => {
  table('system test', [
    ['', 'FooBot', 'http://foo.bar/', true],
    // Google passes an empty crawler name; ours always has a product token, and a name that
    // matches no group falls to no rules here.
    [fooDisallowAll, '', 'http://foo.bar/', true],
    ['', '', 'http://foo.bar/', true],
  ]);

  table('line syntax', [
    ['user-agent: FooBot\ndisallow: /\n', 'FooBot', 'http://foo.bar/x/y', false],
    ['foo: FooBot\nbar: /\n', 'FooBot', 'http://foo.bar/x/y', true],
  ]);

  const groups =
    'allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n';
  table('groups', [
    [groups, 'FooBot', 'http://foo.bar/x/b', true],
    [groups, 'FooBot', 'http://foo.bar/z/d', true],
    [groups, 'FooBot', 'http://foo.bar/y/c', false],
    [groups, 'BarBot', 'http://foo.bar/y/c', true],
    [groups, 'BarBot', 'http://foo.bar/w/a', true],
    [groups, 'BarBot', 'http://foo.bar/z/d', false],
    [groups, 'BazBot', 'http://foo.bar/z/d', true],
    [groups, 'FooBot', 'http://foo.bar/foo/bar/', false],
    [groups, 'BarBot', 'http://foo.bar/foo/bar/', false],
    [groups, 'BazBot', 'http://foo.bar/foo/bar/', false],
  ]);

  const sitemapBetween = 'User-agent: BarBot\nSitemap: https://foo.bar/sitemap\nUser-agent: *\nDisallow: /\n';
  const unknownBetween = 'User-agent: FooBot\nInvalid-Unknown-Line: unknown\nUser-agent: *\nDisallow: /\n';
  table('other records do not close a group', [
    [sitemapBetween, 'FooBot', 'http://foo.bar/', false],
    [sitemapBetween, 'BarBot', 'http://foo.bar/', false],
    [unknownBetween, 'FooBot', 'http://foo.bar/', false],
    [unknownBetween, 'BarBot', 'http://foo.bar/', false],
  ]);

  const upper = 'USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n';
  const lower = 'user-agent: FooBot\nallow: /x/\ndisallow: /\n';
  const camel = 'uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n';
  table('line names are case-insensitive', [
    [upper, 'FooBot', 'http://foo.bar/x/y', true],
    [lower, 'FooBot', 'http://foo.bar/x/y', true],
    [camel, 'FooBot', 'http://foo.bar/x/y', true],
    [upper, 'FooBot', 'http://foo.bar/a/b', false],
    [lower, 'FooBot', 'http://foo.bar/a/b', false],
    [camel, 'FooBot', 'http://foo.bar/a/b', false],
  ]);

  it.each([
    ['Foobot', true],
    ['Foobot-Bar', true],
    ['Foo_Bar', true],
    ['', false],
    ['ツ', false],
    ['Foobot*', false],
    [' Foobot ', false],
    ['Foobot/2.1', false],
    ['Foobot Bar', false],
  ])('%j is a valid product token: %s', (name, expected) => {
    expect(isProductToken(name)).toBe(expected);
  });

  const valueRows: Row[] = [];
  for (const robots of [
    'User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n',
    'User-Agent: foo bar\nAllow: /x/\nDisallow: /\n',
    'User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n',
  ]) {
    for (const agent of ['Foo', 'foo']) {
      valueRows.push(
        [robots, agent, 'http://foo.bar/x/y', true],
        [robots, agent, 'http://foo.bar/a/b', false],
      );
    }
  }
  table('user-agent values are case-insensitive', valueRows);

  const global = 'user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n';
  const onlySpecific =
    'user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\ndisallow: /\n';
  table('the global group is the fallback', [
    ['', 'FooBot', 'http://foo.bar/x/y', true],
    [global, 'FooBot', 'http://foo.bar/x/y', false],
    [global, 'BarBot', 'http://foo.bar/x/y', true],
    [onlySpecific, 'QuxBot', 'http://foo.bar/x/y', true],
  ]);

  table('paths are case-sensitive', [
    ['user-agent: FooBot\ndisallow: /x/\n', 'FooBot', 'http://foo.bar/x/y', false],
    ['user-agent: FooBot\ndisallow: /X/\n', 'FooBot', 'http://foo.bar/x/y', true],
  ]);

  const page = 'http://foo.bar/x/page.html';
  table('the longest match wins, Allow a tie', [
    ['user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n', 'FooBot', page, false],
    ['user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', page, true],
    ['user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', 'http://foo.bar/x/', false],
    ['user-agent: FooBot\ndisallow: \nallow: \n', 'FooBot', page, true],
    ['user-agent: FooBot\ndisallow: /\nallow: /\n', 'FooBot', page, true],
    ['user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', 'http://foo.bar/x', false],
    ['user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', 'http://foo.bar/x/', true],
    ['user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n', 'FooBot', page, true],
    ['user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', 'http://foo.bar/page.html', false],
    ['user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', 'http://foo.bar/page', true],
    ['user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', page, true],
    ['user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', 'http://foo.bar/x/y.html', false],
    [
      'User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n',
      'FooBot',
      'http://foo.bar/x/page',
      true,
    ],
    [
      'User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n',
      'FooBot',
      'http://foo.bar/y/page',
      false,
    ],
  ]);

  const query = 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n';
  const kanji = 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n';
  const kanjiEncoded = 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n';
  const unreserved = 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n';
  table('encoding', [
    [query, 'FooBot', 'http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par', true],
    [kanji, 'FooBot', 'http://foo.bar/foo/bar/%E3%83%84', true],
    [kanjiEncoded, 'FooBot', 'http://foo.bar/foo/bar/%E3%83%84', true],
    [unreserved, 'FooBot', 'http://foo.bar/foo/bar/%62%61%7A', true],
  ]);

  const starRules = 'User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n';
  const endRules = 'User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n';
  const commentRules = 'User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n';
  table('special characters', [
    [starRules, 'FooBot', 'http://foo.bar/foo/bar/quz', false],
    [starRules, 'FooBot', 'http://foo.bar/foo/quz', true],
    [starRules, 'FooBot', 'http://foo.bar/foo//quz', true],
    [starRules, 'FooBot', 'http://foo.bar/foo/bax/quz', true],
    [endRules, 'FooBot', 'http://foo.bar/foo/bar', false],
    [endRules, 'FooBot', 'http://foo.bar/foo/bar/qux', true],
    [endRules, 'FooBot', 'http://foo.bar/foo/bar/', true],
    [endRules, 'FooBot', 'http://foo.bar/foo/bar/baz', true],
    [commentRules, 'FooBot', 'http://foo.bar/foo/bar', true],
    [commentRules, 'FooBot', 'http://foo.bar/foo/quz', false],
  ]);

  // Google's documentation examples, asserted in its suite: plain RFC matching.
  const docs = (allow: string) => `user-agent: FooBot\ndisallow: /\nallow: ${allow}\n`;
  const documentation: Row[] = [];
  const add = (allow: string, paths: Array<[string, boolean]>) => {
    for (const [path, expected] of paths)
      documentation.push([docs(allow), 'FooBot', `http://foo.bar${path}`, expected]);
  };
  const fish: Array<[string, boolean]> = [
    ['/bar', false],
    ['/fish', true],
    ['/fish.html', true],
    ['/fish/salmon.html', true],
    ['/fishheads', true],
    ['/fishheads/yummy.html', true],
    ['/fish.html?id=anything', true],
    ['/catfish', false],
    ['/?id=fish', false],
  ];
  add('/fish', [...fish, ['/Fish.asp', false]]);
  add('/fish*', [...fish, ['/Fish.bar', false]]);
  add('/fish/', [
    ['/bar', false],
    ['/fish/', true],
    ['/fish/salmon', true],
    ['/fish/?salmon', true],
    ['/fish/salmon.html', true],
    ['/fish/?id=anything', true],
    ['/fish', false],
    ['/fish.html', false],
    ['/Fish/Salmon.html', false],
  ]);
  add('/*.php', [
    ['/bar', false],
    ['/filename.php', true],
    ['/folder/filename.php', true],
    ['/folder/filename.php?parameters', true],
    ['//folder/any.php.file.html', true],
    ['/filename.php/', true],
    ['/index?f=filename.php/', true],
    ['/php/', false],
    ['/index?php', false],
    ['/windows.PHP', false],
  ]);
  add('/*.php$', [
    ['/bar', false],
    ['/filename.php', true],
    ['/folder/filename.php', true],
    ['/filename.php?parameters', false],
    ['/filename.php/', false],
    ['/filename.php5', false],
    ['/php/', false],
    ['/filename?php', false],
    ['/aaaphpaaa', false],
    ['//windows.PHP', false],
  ]);
  add('/fish*.php', [
    ['/bar', false],
    ['/fish.php', true],
    ['/fishheads/catfish.php?parameters', true],
    ['/Fish.PHP', false],
  ]);
  documentation.push(
    ['user-agent: FooBot\nallow: /p\ndisallow: /\n', 'FooBot', 'http://example.com/page', true],
    [
      'user-agent: FooBot\nallow: /folder\ndisallow: /folder\n',
      'FooBot',
      'http://example.com/folder/page',
      true,
    ],
    ['user-agent: FooBot\nallow: /page\ndisallow: /*.htm\n', 'FooBot', 'http://example.com/page.htm', false],
    ['user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', 'http://example.com/', true],
    ['user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', 'http://example.com/page.html', false],
  );
  table('documentation examples', documentation);

  // Google counts the directives its parser reports; we count what the parse keeps.
  const directives = (text: string) => {
    const robots = parseRobots(text);
    return robots.groups.reduce((sum, group) => sum + group.agents.length + group.rules.length, 0);
  };
  it.each([
    ['LF', 'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n'],
    ['CR LF', 'User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n'],
    ['CR', 'User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r'],
    ['no final newline', 'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /'],
    ['mixed', 'User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /'],
  ])('reads every line ending (%s): four directives, bar disallowed', (_name, text) => {
    expect(directives(text)).toBe(4);
    expect(allowed(text, 'bar', 'http://foo.bar/x')).toBe(false);
    expect(allowed(text, 'foo', 'http://foo.bar/some/path')).toBe(true);
  });

  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
  it.each([
    ['a whole BOM', bytes([0xef, 0xbb, 0xbf], 'User-Agent: foo\nAllow: /AnyValue\n'), 2],
    ['two bytes of a BOM', bytes([0xef, 0xbb], 'User-Agent: foo\nAllow: /AnyValue\n'), 2],
    ['one byte of a BOM', bytes([0xef], 'User-Agent: foo\nAllow: /AnyValue\n'), 2],
    // A broken mark makes the first line garbage: only the Allow line is left, in no group.
    ['a broken BOM', bytes([0xef, 0x11, 0xbf], 'User-Agent: foo\nAllow: /AnyValue\n'), 0],
    // A mark in the middle of the file spoils its line.
    ['a BOM mid-file', bytes('User-Agent: foo\n', [0xef, 0xbb, 0xbf], 'Allow: /AnyValue\n'), 1],
  ])('skips %s at the start', (_name, body, expected) => {
    expect(directives(decodeRobots(body))).toBe(expected);
  });

  it('reads Sitemap lines wherever they are', () => {
    const tail =
      'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nSitemap: http://foo.bar/sitemap.xml\n';
    const head =
      'Sitemap: http://foo.bar/sitemap.xml\nUser-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\n';
    expect(parseRobots(tail).sitemaps).toEqual(['http://foo.bar/sitemap.xml']);
    expect(parseRobots(head).sitemaps).toEqual(['http://foo.bar/sitemap.xml']);
  });

  // GetPathParamsQuery, for the absolute URLs our callers pass (relative ones never reach us).
  it.each([
    ['http://www.example.com', '/'],
    ['http://www.example.com/', '/'],
    ['http://www.example.com/a', '/a'],
    ['http://www.example.com/a/', '/a/'],
    ['http://www.example.com/a/b?c=http://d.e/', '/a/b?c=http://d.e/'],
    ['http://www.example.com/a/b?c=d&e=f#fragment', '/a/b?c=d&e=f'],
    ['http://example.com?a', '/?a'],
    ['http://example.com/a;b#c', '/a;b'],
  ])('matches %s by its path %s', (url, path) => {
    expect(pathToMatch(url)).toBe(path);
  });

  // MaybeEscapePattern.
  it.each([
    ['http://www.example.com', 'http://www.example.com'],
    ['/a/b/c', '/a/b/c'],
    ['á', '%C3%A1'],
    ['%aa', '%AA'],
  ])('encodes the pattern %j as %j', (pattern, encoded) => {
    expect(encodePath(pattern)).toBe(encoded);
  });
});

describe("Google's robots_test.cc, where syndicate differs", () => {
  type Divergence = [why: string, robots: string, agent: string, url: string, google: boolean, ours: boolean];
  const upToSpace = 'User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n';
  const index = 'User-Agent: *\nAllow: /allowed-slash/index.html\nDisallow: /\n';
  const cases: Divergence[] = [
    // Same as Google: the colon may be missing when the line is two words.
    ['missing colon', 'user-agent FooBot\ndisallow /\n', 'FooBot', 'http://foo.bar/x/y', false, false],
    [
      'missing colon, three words ignored',
      'user-agent FooBot\ndisallow / x\n',
      'FooBot',
      'http://foo.bar/x/y',
      true,
      true,
    ],
    // Same as Google: a user-agent value counts up to its first character outside [A-Za-z_-].
    ['user-agent up to the first space', upToSpace, 'Foo', 'http://foo.bar/x/y', true, true],
    // Google's caller passes a bare product token, and "Foo Bar" is none, so no group is its own.
    // Ours passes the whole User-Agent header and takes its product token: "Foo Bar" is "foo".
    ['crawler name with a space', upToSpace, 'Foo Bar', 'http://foo.bar/x/y', false, true],
    // index.html is not the directory: an Allow for one file never opens the directory's index.
    ['index.html as directory', index, 'foobot', 'http://foo.com/allowed-slash/', true, false],
    ['index.html as directory', index, 'foobot', 'http://foo.com/allowed-slash/index.htm', false, false],
    ['index.html as directory', index, 'foobot', 'http://foo.com/allowed-slash/index.html', true, true],
    ['index.html as directory', index, 'foobot', 'http://foo.com/anyother-url', false, false],
    // The RFC's own table matches /foo/bar/%62%61%7A against /foo/bar/baz; Google's test says no.
    [
      'escaped unreserved characters',
      'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n',
      'FooBot',
      'http://foo.bar/foo/bar/baz',
      false,
      true,
    ],
    // Google's caller must escape the URL; ours is a WHATWG URL, which escapes non-ASCII itself.
    [
      'unescaped URL',
      'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n',
      'FooBot',
      'http://foo.bar/foo/bar/ツ',
      false,
      true,
    ],
    [
      'unescaped URL',
      'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n',
      'FooBot',
      'http://foo.bar/foo/bar/ツ',
      false,
      true,
    ],
  ];
  it.each(cases)(
    '%s: %j as %s for %s (Google %s, syndicate %s)',
    (_why, robots, agent, url, _google, ours) => {
      expect(allowed(robots, agent, url)).toBe(ours);
    },
  );

  // Google cuts every line at 8 × 2083 bytes; we keep lines whole (the file is capped at 500 KiB
  // and matching is linear), so a long rule means what it says, not a shorter prefix of it.
  const maxLine = 2083 * 8;
  it('keeps a long Disallow whole: the cut-off prefix does not block a longer path', () => {
    // Google's construction: the line is as long as its limit before `/qux`.
    const longline = `/x/${'a'.repeat(maxLine - 3 - 'disallow: '.length + 1 - 3)}`;
    const robots = `user-agent: FooBot\ndisallow: ${longline}/qux\n`;
    expect(allowed(robots, 'FooBot', 'http://foo.bar/fux')).toBe(true);
    // Google: disallowed (the rule was cut before /qux). Us: allowed, /qux is part of the rule.
    expect(allowed(robots, 'FooBot', `http://foo.bar${longline}/fux`)).toBe(true);
    expect(allowed(robots, 'FooBot', `http://foo.bar${longline}/qux`)).toBe(false);
  });

  it('keeps a long Allow whole: the cut-off prefix does not open a longer path', () => {
    const length = maxLine - 3 - 'allow: '.length + 1 - 3;
    const a = `/x/${'a'.repeat(length)}`;
    const b = `/x/${'b'.repeat(length)}`;
    const robots = `user-agent: FooBot\ndisallow: /\nallow: ${a}/qux\nallow: ${b}/qux\n`;
    expect(allowed(robots, 'FooBot', 'http://foo.bar/')).toBe(false);
    expect(allowed(robots, 'FooBot', `http://foo.bar${a}/qux`)).toBe(true);
    // Google: allowed (the rule was cut before /qux). Us: disallowed.
    expect(allowed(robots, 'FooBot', `http://foo.bar${b}/fux`)).toBe(false);
  });
});
