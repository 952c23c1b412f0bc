/**
 * `npm run eval:w3c -- VALIDATOR_SRC`: builds every feed format from hostile articles (the feed
 * tests' own, and more below: lone surrogates, noncharacters, U+FFFD, markup-like titles, ids only
 * this store knows, URLs that are not valid URIs, script payloads in the body) into a temporary
 * folder, then runs a local copy of the W3C Feed Validation Service over the RSS and Atom files
 * (`/usr/bin/python3`, needing python3-html5lib, python3-lxml and python3-rdflib from Debian) and
 * prints every error and warning. VALIDATOR_SRC is the `src` folder of a checkout of
 * github.com/w3c/feedvalidator, kept outside this repository. The JSON Feed files are checked
 * against the JSON Feed 1.1 schema and for escaped lone surrogates. The feeds are validated as first
 * built and as rebuilt after one of the articles is removed. Exit code 1 on any problem.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { buildFeeds } from '../../src/feed/build.ts';
import type { ArticleInput } from '../../src/store/article.ts';
import { removeArticles } from '../../src/store/articles.ts';
import { articles, feedConfig, seededStore } from '../feed/_support.ts';

const here = dirname(fileURLToPath(import.meta.url));

const hostile: ArticleInput[] = [
  {
    id: '42',
    url: 'https://northwind.example/2026/04/a b[1]|c^d{e}?q="x"#frag#more',
    title: 'Use <b> for bold, </b> to end it, &amp; &#169; and AT&T \uD800 \uFFFD \uFDD0 \uFFFF',
    published: '2026-04-01T08:00:00Z',
    authors: [
      {
        name: 'Sinéad \uDC00 O’Brien',
        email: "o'brien&sons@example.org",
        url: 'https://northwind.example/people/o brien',
      },
    ],
    summary: 'A summary with </p> and \u0001 and \uD83D alone.',
    html:
      '<p>Body \uD800 lone, \uFFFD kept, \uFDD0 gone.</p><img src=x"onerror=alert(1)><a/href="javascript:alert(2)">a</a>' +
      '<a href=x/onmouseover=alert(3)/style=x>b</a><svg><script>alert(4)</script></svg><math><mi>x</mi></math>' +
      '<p style="background:url(javascript:alert(5))">styled</p><img srcset="javascript:alert(6) 1x" src="/i.png">' +
      '<form><button formaction="javascript:alert(7)">go</button></form><iframe srcdoc="<script>alert(8)</script>"></iframe>' +
      '<table><tr><td>cell<div>in table</div></td></tr></table><p>unclosed <b>bold <i>both</p> after',
    categories: [{ term: 'Odd </b> term', scheme: 'Region [1]' }],
    tags: ['a|b', '</i>'],
    image: 'https://northwind.example/img/a b.png',
  },
  {
    id: 'slug with spaces/and:colons',
    url: 'https://northwind.example/2026/04/naïve-café',
    title: 'Plain title',
    published: '2026-04-02',
    html: '<p>Text with a <a href="../relative path?x=1&y=2">relative link</a> and <pre>\n\npre text</pre></p>',
  },
];

async function main(): Promise<number> {
  const validator = process.argv.slice(2).find((argument) => argument !== '--');
  if (!validator) {
    process.stderr.write(
      'usage: npm run eval:w3c -- VALIDATOR_SRC (the src folder of a feedvalidator checkout)\n',
    );
    return 2;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'syndicate-w3c-'));
  try {
    const db = await seededStore(join(scratch, 'store.sqlite'), [...articles, ...hostile]);
    const out = join(scratch, 'public');
    const config = feedConfig(
      { id: 'all', title: 'Everything <b>bold</b> & more' },
      { id: 'summary', title: 'Summaries', content: 'summary' },
      { id: 'plain', title: 'No credit', attribution: false },
    );
    await buildFeeds(db, config, { out });
    // The feeds as first built, and rebuilt after a removal (as `syndicate remove` and `build` do).
    const before = join(scratch, 'before-removal');
    cpSync(out, before, { recursive: true });
    await removeArticles(db, [String(hostile[1]!.id)]);
    const rebuilt = await buildFeeds(db, config, { out });
    db.close();
    if (!rebuilt.written.includes('all.atom')) {
      process.stderr.write('the removal changed no feed: the rebuilt feeds would prove nothing\n');
      return 1;
    }
    const files = [before, out].flatMap((folder) =>
      readdirSync(folder)
        .filter((name) => name.endsWith('.xml') || name.endsWith('.atom'))
        .sort()
        .map((name) => join(folder, name)),
    );
    const run = spawnSync(
      '/usr/bin/python3',
      [join(here, '_w3c_validate.py'), validator, 'https://northwind.example/feeds/', ...files],
      { encoding: 'utf8' },
    );
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    const schema = JSON.parse(readFileSync(join(here, '../fixtures/jsonfeed-1.1.schema.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    let jsonProblems = 0;
    for (const name of readdirSync(out)
      .filter((file) => file.endsWith('.json') && !file.startsWith('.'))
      .sort()) {
      const text = readFileSync(join(out, name), 'utf8');
      const valid = validate(JSON.parse(text));
      // JSON.stringify writes a lone surrogate as a \udXXX escape: legal JSON, not Unicode text.
      const lone = /\\ud[89a-f][0-9a-f]{2}/i.test(text);
      process.stdout.write(
        `${name}: ${valid ? 'valid JSON Feed 1.1' : JSON.stringify(validate.errors)}${lone ? ', holds an escaped lone surrogate' : ''}\n`,
      );
      if (!valid || lone) jsonProblems++;
    }
    return run.status === 0 && jsonProblems === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
