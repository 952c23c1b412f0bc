/**
 * `npm run eval:pages -- DIR [--set development|hold-out|all] [--limit N] [--show N [--explain]] [--only TEXT[,TEXT…]] [--dump DIR]`
 *
 * Measures the checker on real pages made by others. DIR is a local copy of a public corpus of
 * article pages whose article text people marked (see `_corpus.ts`); nothing of it is committed.
 * Every page's marked text becomes an article of the made-up publisher (Northwind Review,
 * northwind.example) in a fresh store, and the page, on its own site, becomes a reprint of it:
 * credits of every wording are spliced into every placement, some pages are left uncredited or
 * badly credited, some are put on a commercial site, some only quote one or two sentences inside
 * the blogger's own text, and some pages are kept out of the store to be unrelated. The real
 * `checkSnapshot` judges each; the figures printed are identification accuracy, false
 * accusations, verdict accuracy, per-rule precision and recall, and quotations judged.
 *
 * Pages are split by site into a development set and a hold-out set by a hash of the host, fixed
 * before any tuning: tune on development only, and read the hold-out figures as they come.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Post } from '../../src/check/_post.ts';
import { checkSnapshot } from '../../src/check/check-snapshot.ts';
import type { PageResult } from '../../src/check/result.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { loadSites } from '../../src/config/sites.ts';
import type { PageSnapshot } from '../../src/crawl/snapshot.ts';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import { type PageDocument, parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { type CorpusPage, loadCorpus } from './_corpus.ts';
import { COPYRIGHTS, type CreditParts, creditHtml, NAME_FORMS, PUBLISHER, WORDINGS } from './_credits.ts';
import { explainPost } from './_explain.ts';
import { fill, fillText, HOSTILE_PLACEMENTS, type Located, locate, PLACEMENTS, template } from './_splice.ts';

/** Words in a row two texts must share to share a passage (the checker's default `passageMinWords`). */
const PASSAGE_WORDS = 8;

/**
 * Whether a page shares a passage with the article's sentences, outside its heading lines (short
 * lines ending in no punctuation: a headline a page may show beside a quotation). The check's own
 * answer is not enough for the control of a quotation case: a standfirst or a caption of ten words
 * is too little for the article to become a candidate alone, yet beside a quotation it is a third
 * sentence of the article on the page.
 */
function sharesSentences(html: string, url: string, articleText: string): boolean {
  const shingles = (text: string) => {
    const words = tokenise(text).words;
    return words.slice(0, 1 - PASSAGE_WORDS).map((_, at) => words.slice(at, at + PASSAGE_WORDS).join(' '));
  };
  const sentences = articleText
    .split('\n')
    .filter((line) => line.split(/\s+/).length > 20 || /[.!?…:;"”’»)]\s*$/u.test(line.trim()));
  const article = new Set(sentences.flatMap(shingles));
  return shingles(parsePage(html, url).text).some((shingle) => article.has(shingle));
}

type Expected = 'compliant' | 'violation' | 'no-match';
const CREDIT_RULES = ['source-attribution', 'copyright-notice', 'link-to-original'] as const;
const ALL_RULES = [...CREDIT_RULES, 'commercial-use'] as const;

interface Case {
  page: CorpusPage;
  scenario: string;
  html: string;
  url: string;
  expected: Expected;
  article: string | undefined;
  fails: Set<string>;
  /** The kind of reprint the match must report, when the case is about it. */
  kind?: 'full' | 'excerpt';
}

/** Text of a spliced credit: the publisher's name, host or a copyright sign. */
const CREDIT_TEXT = /Northwind|northwind\.example|©|\(c\)|Copyright/i;
const hash = (text: string) => createHash('sha256').update(text).digest();
const hostOf = (url: string) => new URL(url).hostname.replace(/^www\./, '');
/** The split, fixed before tuning: about a third of the sites are held out. */
export const isHoldOut = (url: string) => hash(`verdicts-split:${hostOf(url)}`)[0]! < 0x55;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function articleOf(page: CorpusPage, number: number): Article {
  return toArticle({
    id: `a${number}`,
    url: `https://northwind.example/articles/${number}/${page.id.slice(0, 8).replace(/[^a-z0-9]/gi, '')}`,
    title: `Article ${number}`,
    published: '2019-03-14T09:00:00Z',
    authors: [`Author ${AUTHORS[number % AUTHORS.length]}`],
    html: page.text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => `<p>${escapeHtml(line)}</p>`)
      .join('\n'),
  });
}
const AUTHORS = ['Mara Quill', 'Tomas Wren', 'Ines Harrow', 'Jun Adebayo', 'Lise Marchetti'];

/**
 * Sentences of the article's text, in order, as ICU's sentence rules cut them (not the checker's),
 * with `joinAbbreviations` joined again where ICU cut after an abbreviation or an ordinal ("U.S. Rep.
 * Ilhan Omar", "am 31. Oktober"): `Intl.Segmenter` applies no abbreviation list, and an excerpt of
 * two long sentences full of titles is a quotation, not four sentences. Quotations are cut without
 * joining: a sentence that really ends in "U.S." must not make a quotation of three.
 */
function sentencesOf(text: string, joinAbbreviations = false): string[] {
  const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
  return text.split('\n').flatMap((paragraph) => {
    const joined: string[] = [];
    for (const { segment } of segmenter.segment(paragraph)) {
      const piece = segment.trim();
      if (!piece) continue;
      const previous = joined.at(-1);
      if (
        joinAbbreviations &&
        previous !== undefined &&
        /(?:^|[\s(])(?:[A-Z][a-z]{0,2}|[A-Z](?:\.[A-Z])+|\d{1,2})\.$/.test(previous)
      )
        joined[joined.length - 1] = `${previous} ${piece}`;
      else joined.push(piece);
    }
    return joined;
  });
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** One sentence of 30–60 words, or two running sentences of 30–60 words together. */
function quotation(text: string, sentences: 1 | 2): string | undefined {
  const all = sentencesOf(text);
  for (let i = 0; i + sentences <= all.length; i++) {
    const quote = all.slice(i, i + sentences).join(' ');
    const count = words(quote);
    if (count >= 30 && count <= 60 && (sentences === 1 || words(all[i]!) >= 8)) return quote;
  }
  return undefined;
}

/**
 * The article's opening paragraphs up to about a fifth of its words (under the 0.3 excerpt line,
 * over the few sentences of a quotation), or nothing for an article too short to have an excerpt.
 */
function excerptOf(text: string): string[] | undefined {
  const paragraphs = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const total = words(text);
  if (total < 300) return undefined;
  const taken: string[] = [];
  let count = 0;
  for (const paragraph of paragraphs) {
    if (count + words(paragraph) > 0.22 * total) break;
    taken.push(paragraph);
    count += words(paragraph);
  }
  return count >= 0.12 * total && sentencesOf(taken.join('\n'), true).length >= 4 ? taken : undefined;
}

interface Plan {
  cases: Case[];
  /** For quotation cases: the page without the quotation, which must not reprint the article. */
  controls: Map<Case, string>;
  articles: Article[];
  notLocated: number;
}

/** `wanted` leaves the other pages' cases unmade (their articles are still stored). */
export function plan(pages: CorpusPage[], wanted: (page: CorpusPage) => boolean = () => true): Plan {
  const cases: Case[] = [];
  const controls = new Map<Case, string>();
  const articles: Article[] = [];
  const ordered = [...pages].sort((a, b) => hash(a.id).compare(hash(b.id)));
  // A sixth of the pages stay out of the store: unrelated pages, and the bloggers' own text.
  const unrelated = ordered.filter((_, index) => index % 6 === 5);
  const stored = ordered.filter((_, index) => index % 6 !== 5);
  let notLocated = 0;
  let counter = 0;
  for (const page of unrelated) {
    cases.push({
      page,
      scenario: 'unrelated',
      html: page.html,
      url: page.url,
      expected: 'no-match',
      article: undefined,
      fails: new Set(),
    });
  }
  stored.forEach((page, index) => {
    const article = articleOf(page, index);
    articles.push(article);
    if (!wanted(page)) return;
    const located = locate(page.html, page.text);
    if (!located) {
      notLocated++;
      return;
    }
    const marked = template(located);
    const add = (scenario: string, html: string, expected: Expected, fails: string[], url = page.url) =>
      cases.push({
        page,
        scenario,
        html,
        url,
        expected,
        article: expected === 'no-match' ? undefined : article.id,
        fails: new Set(fails),
      });
    const parts = (k: number): CreditParts => ({
      wording: WORDINGS[(index * 5 + k * 7) % WORDINGS.length]!,
      nameForm: NAME_FORMS[(index + k * 3) % NAME_FORMS.length]!,
      copyright: COPYRIGHTS[(index * 3 + k) % COPYRIGHTS.length]!,
      link: 'original',
      original: article.url,
      author: article.authors[0]!.name,
      typographic: (index + k) % 3 === 0,
    });
    // Compliant: three credits, each in its own wording and placement.
    for (let k = 0; k < 3; k++) {
      const placement = PLACEMENTS[(index * 3 + k) % PLACEMENTS.length]!;
      const credit = parts(k);
      add(
        `compliant ${placement} ${credit.wording.language} "${credit.wording.template}" ${credit.nameForm}`,
        fill(marked, creditHtml(credit), placement),
        'compliant',
        [],
      );
    }
    // Hostile: a full credit where it must not count, or a credit for someone else.
    const hostile = index % 5;
    if (hostile < 4) {
      const placement = HOSTILE_PLACEMENTS[hostile]!;
      add(`hostile ${placement}`, fill(marked, creditHtml(parts(3)), placement), 'violation', [
        ...CREDIT_RULES,
      ]);
    } else {
      add(
        'hostile other-publisher',
        fill(
          marked,
          'Source: Valley Gazette. © 2019 Valley Gazette. <a href="https://valleygazette.example/story/9">Read the original</a>',
          'after-text',
        ),
        'violation',
        [...CREDIT_RULES],
      );
    }
    // Badly credited.
    const bad = index % 4;
    const placement = PLACEMENTS[(index * 7 + 1) % PLACEMENTS.length]!;
    if (bad === 0) {
      add(`uncredited ${placement}`, marked, 'violation', [...CREDIT_RULES]);
    } else if (bad === 1) {
      add(
        `no-copyright ${placement}`,
        fill(marked, creditHtml({ ...parts(4), copyright: undefined }), placement),
        'violation',
        ['copyright-notice'],
      );
    } else if (bad === 2) {
      const credit = { ...parts(4), link: 'home' as const };
      if (credit.wording.template.includes('{LINKED}')) credit.wording = WORDINGS[2]!;
      add(`home-link-only ${placement}`, fill(marked, creditHtml(credit), placement), 'violation', [
        'link-to-original',
      ]);
    } else {
      add(
        `name-mentioned ${placement}`,
        fill(marked, `We enjoyed this report by ${PUBLISHER} a lot.`, placement),
        'violation',
        [...CREDIT_RULES],
      );
    }
    // Commercial site without a licence, credited in full.
    counter++;
    add(
      'commercial',
      fill(marked, creditHtml(parts(5)), 'after-text'),
      'violation',
      ['commercial-use'],
      `https://commercial.example/2019/03/reprint-${counter}`,
    );
    // An excerpt: the opening paragraphs, about a fifth of the article, credited in full or not at all.
    const opening = excerptOf(page.text);
    if (opening) {
      const credited = index % 2 === 0;
      const paragraphs = opening.map(escapeHtml);
      if (credited) paragraphs.push(creditHtml(parts(6)));
      add(
        credited ? 'excerpt credited' : 'excerpt uncredited',
        fillText(marked, paragraphs),
        credited ? 'compliant' : 'violation',
        credited ? [] : [...CREDIT_RULES],
      );
      cases.at(-1)!.kind = 'excerpt';
    }
    // Quotation of one or two sentences inside the blogger's own text.
    const sentences = (index % 2) + 1;
    const quote = quotation(page.text, sentences as 1 | 2);
    const own = unrelated[index % Math.max(1, unrelated.length)];
    if (quote && own) {
      const paragraphs = own.text
        .split('\n')
        .filter((line) => words(line) >= 8)
        .slice(0, 6)
        .map(escapeHtml);
      const at = Math.min(2, paragraphs.length);
      const quoted =
        index % 4 < 2
          ? `As ${PUBLISHER} put it: “${escapeHtml(quote)}”`
          : `</p><blockquote><p>${escapeHtml(quote)}</p></blockquote><p>`;
      paragraphs.splice(at, 0, quoted);
      add(`quotation ${sentences}`, fillText(marked, paragraphs), 'no-match', []);
      // The same page without the quotation: if it still shares text with the article (a summary
      // or a repeated lead elsewhere on the page), the quotation case is not one and is left out.
      const control = [...paragraphs];
      control.splice(at, 1);
      controls.set(cases.at(-1)!, fillText(marked, control));
    }
  });
  return { cases, controls, articles, notLocated };
}

interface Tally {
  pages: number;
  identified: number;
  verdictRight: number;
  falseAccusations: number;
  uncertain: number;
  quotations: number;
  quotationsJudged: number;
  errors: number;
  rules: Record<string, { tp: number; fp: number; fn: number }>;
  wrong: Array<{ case: Case; got: string; explained?: string[] }>;
}

function judge(tally: Tally, test: Case, result: PageResult): void {
  tally.pages++;
  if (result.status === 'error') tally.errors++;
  const match = result.matches[0];
  const identified =
    test.article === undefined
      ? result.matches.length === 0
      : result.matches.length === 1 && match?.article.id === test.article;
  if (identified) tally.identified++;
  const verdict = match ? match.verdict : 'no-match';
  if (verdict === 'uncertain') tally.uncertain++;
  const flagged = new Set(match?.violations.map((violation) => violation.rule) ?? []);
  if (test.scenario.startsWith('quotation')) {
    tally.quotations++;
    if (result.matches.length > 0) tally.quotationsJudged++;
  }
  const accused = [...flagged].some((rule) => !test.fails.has(rule)) || (flagged.size > 0 && !test.article);
  if (accused) tally.falseAccusations++;
  const sameRules = [...ALL_RULES].every((rule) => flagged.has(rule) === test.fails.has(rule));
  const right =
    verdict === test.expected && identified && sameRules && (!test.kind || match?.kind === test.kind);
  if (right) tally.verdictRight++;
  else
    tally.wrong.push({
      case: test,
      got: `${verdict}${match ? ` ${match.article.id}` : ''} [${[...flagged].join(', ')}]${
        verdict === 'uncertain'
          ? ` suspected ${JSON.stringify((match as { suspected?: unknown }).suspected)}`
          : ''
      }${(result.quotations ?? []).map((quoted) => ` quoted ${quoted.article.id}: ${quoted.sentences} sentences, ${quoted.words} words`).join('')}${
        // A page that should match nothing: what it shares with the article it was taken for.
        match && test.expected === 'no-match'
          ? ` coverage ${match.coverage} ${match.kind}, shares ${match.passages
              .slice(0, 3)
              .map((passage) => JSON.stringify(passage.page.slice(0, 160)))
              .join(' … ')}`
          : ''
      }`,
    });
  for (const rule of ALL_RULES) {
    const counts = tally.rules[rule] ?? { tp: 0, fp: 0, fn: 0 };
    tally.rules[rule] = counts;
    const expected = test.fails.has(rule);
    const got = flagged.has(rule);
    if (expected && got) counts.tp++;
    else if (got) counts.fp++;
    else if (expected) counts.fn++;
  }
}

const ratio = (part: number, whole: number) => (whole === 0 ? '—' : (part / whole).toFixed(3));

function print(name: string, tally: Tally, show: number): void {
  const lines = [
    `${name}: ${tally.pages} checks`,
    `  identification accuracy  ${ratio(tally.identified, tally.pages)} (${tally.identified}/${tally.pages})`,
    `  false accusations        ${tally.falseAccusations}`,
    `  verdict accuracy         ${ratio(tally.verdictRight, tally.pages)} (${tally.verdictRight}/${tally.pages})`,
    `  uncertain                ${tally.uncertain}`,
    `  quotations judged        ${tally.quotationsJudged} of ${tally.quotations}`,
    `  page errors              ${tally.errors}`,
  ];
  for (const [rule, counts] of Object.entries(tally.rules)) {
    lines.push(
      `  ${rule.padEnd(20)} precision ${ratio(counts.tp, counts.tp + counts.fp)}  recall ${ratio(counts.tp, counts.tp + counts.fn)}  (tp ${counts.tp}, fp ${counts.fp}, fn ${counts.fn})`,
    );
  }
  const kinds = new Map<string, number>();
  for (const wrong of tally.wrong) {
    const kind = wrong.case.scenario.split(' ').slice(0, 2).join(' ');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  if (kinds.size > 0)
    lines.push(`  wrong by scenario: ${[...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
  for (const wrong of tally.wrong.slice(0, show)) {
    lines.push(`    ${wrong.case.page.id} ${wrong.case.url}`);
    lines.push(
      `      ${wrong.case.scenario}: expected ${wrong.case.expected} [${[...wrong.case.fails].join(', ')}], got ${wrong.got}`,
    );
    if (wrong.explained) lines.push(...wrong.explained);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function argument(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const dir = args.find((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
  if (!dir) {
    process.stderr.write(
      'usage: npm run eval:pages -- DIR [--set development|hold-out|all] [--limit N] [--show N [--explain]] [--only TEXT,…] [--dump DIR]\n',
    );
    process.exit(2);
  }
  const set = argument(args, '--set') ?? 'all';
  const limit = Number(argument(args, '--limit') ?? Number.POSITIVE_INFINITY);
  const show = Number(argument(args, '--show') ?? 0);
  // To look into a case: only pages whose id starts with TEXT or scenarios that hold it (a comma
  // separates several), and the
  // pages judged wrongly written out to read.
  const only = argument(args, '--only')?.split(',');
  const dump = argument(args, '--dump');
  // With the misses listed: what the checker took for the post of each, and where the credit is.
  const explain = args.includes('--explain');
  const loaded = loadCorpus(dir);
  // A host the site registry cannot take (a port, an odd character) leaves its page out.
  const corpus = {
    ...loaded,
    pages: loaded.pages.filter((page) => /^https?:\/\/[a-z0-9.-]+\//i.test(page.url)),
  };
  const work = mkdtempSync(join(tmpdir(), 'syndicate-eval-'));
  try {
    writeFileSync(
      join(work, 'terms.yaml'),
      `publisher:
  name: ${PUBLISHER}
  aliases: [northwind.example, The Northwind]
  home: https://northwind.example/
languages: [en, fr, es, de, pt, it]
rules: [source-attribution, copyright-notice, link-to-original, commercial-use]
`,
    );
    const hosts = new Set(corpus.pages.map((page) => new URL(page.url).hostname));
    const sites = [...hosts].map(
      (host, index) => `  - { id: site-${index}, url: "https://${host}/", kind: community }`,
    );
    sites.push('  - { id: shop, url: "https://commercial.example/", kind: commercial }');
    writeFileSync(join(work, 'sites.yaml'), `sites:\n${sites.join('\n')}\n`);
    const terms = loadTerms(work);
    const registry = loadSites(work).sites;
    for (const [name, holdOut] of [
      ['development', false],
      ['hold-out', true],
    ] as const) {
      if (set !== 'all' && set !== name) continue;
      const pages = corpus.pages.filter((page) => isHoldOut(page.url) === holdOut).slice(0, limit);
      const { cases, controls, articles, notLocated } = plan(
        pages,
        // Filters that name no page name scenarios: every page is wanted then.
        (page) =>
          !only ||
          only.some((text) => page.id.startsWith(text)) ||
          !only.some((text) => pages.some((other) => other.id.startsWith(text))),
      );
      let leftOut = 0;
      const sql = await openSql(join(work, `${name}.sqlite`));
      await upsertArticles(sql, articles);
      await indexArticles(
        sql,
        articles.map((article) => article.id),
      );
      const tally: Tally = {
        pages: 0,
        identified: 0,
        verdictRight: 0,
        falseAccusations: 0,
        uncertain: 0,
        quotations: 0,
        quotationsJudged: 0,
        errors: 0,
        rules: {},
        wrong: [],
      };
      const started = performance.now();
      const snapshotOf = (url: string, body: string): PageSnapshot => ({
        url,
        finalUrl: url,
        status: 200,
        headers: {},
        fetchedAt: '2026-03-20T10:00:00.000Z',
        contentType: 'text/html',
        body,
        bodyHash: '',
      });
      for (const test of cases) {
        if (only && !only.some((text) => test.page.id.startsWith(text) || test.scenario.includes(text)))
          continue;
        // A quotation case is one only if the page without the quotation shares nothing with the
        // article: a standfirst or a summary the page keeps elsewhere, with the quoted sentences,
        // is more of the article than one or two sentences.
        const control = controls.get(test);
        if (control) {
          const alone = await checkSnapshot(sql, snapshotOf(test.url, control), { terms, sites: registry });
          if (
            alone.matches.length > 0 ||
            (alone.quotations ?? []).length > 0 ||
            sharesSentences(control, test.url, test.page.text)
          ) {
            leftOut++;
            continue;
          }
        }
        const wrongBefore = tally.wrong.length;
        const posts: string[][] = [];
        const onPost = explain
          ? (post: Post, page: PageDocument) => posts.push(explainPost(page, post, CREDIT_TEXT))
          : undefined;
        judge(
          tally,
          test,
          await checkSnapshot(sql, snapshotOf(test.url, test.html), { terms, sites: registry, onPost }),
        );
        if (explain && tally.wrong.length > wrongBefore) tally.wrong.at(-1)!.explained = posts.flat();
        if (dump && tally.wrong.length > wrongBefore) {
          mkdirSync(dump, { recursive: true });
          const name = `${test.page.id.slice(0, 10)}-${test.scenario.split(' ').slice(0, 2).join('-')}`;
          writeFileSync(join(dump, `${name.replace(/[^\w.-]/g, '_')}.html`), test.html);
        }
      }
      await sql.close();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      print(
        `${corpus.name} ${name} (${pages.length} pages from ${new Set(pages.map((page) => hostOf(page.url))).size} sites, ${notLocated} whose text could not be located, ${corpus.unclear} left out as their marked text runs into comments, a sidebar or the site footer, ${leftOut} quotation cases left out because the page shares more of the article, ${seconds} s)`,
        tally,
        show,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export type { Located };

// Run as a script; imported (to look into a case), it only gives its parts.
if (process.argv[1]?.endsWith('pages.ts')) await main(process.argv.slice(2));
