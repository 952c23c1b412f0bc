/**
 * Reading a local copy of a public corpus of real article pages with the article's text marked by
 * people. Four layouts are understood:
 *
 * - scrapinghub/article-extraction-benchmark: `ground-truth.json` (`{id: {url, articleBody}}`) and
 *   `html/ID.html` (or `.html.gz`);
 * - adbar/trafilatura's evaluation set: `tests/evaldata.json` (`{url: {file, with, without}}`) and
 *   the pages under `tests/eval/` or `tests/cache/`. It marks only snippets of the main text, so the
 *   article is the text of the smallest element holding every `with` snippet, and a page whose
 *   element also holds a `without` snippet (boilerplate) is left out as unclear. The article ends
 *   with the line of the last `with` snippet;
 * - WCXB, the Web Content eXtraction Benchmark (Murrough-Foley/web-content-extraction-benchmark):
 *   `metadata.json` (each file's split and page type), `dev|test/ground-truth/ID.json` (the page's
 *   URL and its `main_content`, reviewed by people) and `dev|test/html/ID.html.gz`. Only articles and
 *   documentation pages are taken: products, listings and forums are not what gets reprinted;
 * - mozilla/readability's test pages: `test/test-pages/NAME/source.html` with `expected.html`, the
 *   text Readability's reviewed output keeps. The page's URL is its canonical or `og:url` link when
 *   it has one, else one made from NAME (so the split by site still holds).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type CheerioAPI, load } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { locate } from './_splice.ts';

export interface CorpusPage {
  id: string;
  url: string;
  html: string;
  /** The article's text, paragraphs separated by line breaks. */
  text: string;
}

function readMaybeGzip(file: string): string | undefined {
  if (existsSync(file)) return readFileSync(file, 'utf8');
  if (existsSync(`${file}.gz`)) return gunzipSync(readFileSync(`${file}.gz`)).toString('utf8');
  return undefined;
}

export interface Corpus {
  name: string;
  pages: CorpusPage[];
  skipped: number;
  /** Pages left out because their marked text runs into readers' comments, a sidebar or a footer. */
  unclear: number;
}

/**
 * Pages whose marked text shares a stretch of words with an earlier page's are left out: the same
 * page under several names (Readability's rtl-1 to rtl-4), two versions of one manual page, a post
 * and the page that quotes its author's bio (WCXB). A second copy of an article would be a second
 * article for the checker to choose between, and a page "unrelated" to the store would not be.
 */
function distinct(pages: CorpusPage[]): { pages: CorpusPage[]; duplicates: number } {
  const seen = new Set<string>();
  const kept: CorpusPage[] = [];
  for (const page of pages) {
    const words = squash(page.text).toLowerCase().split(' ');
    const shingles = new Set(words.slice(0, -7).map((_, at) => words.slice(at, at + 8).join(' ')));
    let shared = 0;
    for (const shingle of shingles) if (seen.has(shingle)) shared++;
    if (shared >= Math.min(SHARED_SHINGLES, shingles.size / 4)) continue;
    for (const shingle of shingles) seen.add(shingle);
    kept.push(page);
  }
  return { pages: kept, duplicates: pages.length - kept.length };
}
/** Eight-word stretches two pages may share before they count as one text (about 17 words in a row). */
const SHARED_SHINGLES = 10;

export function loadCorpus(dir: string): Corpus {
  const read = loadAny(dir);
  const { pages: unique, duplicates } = distinct(read.pages);
  const loaded = { ...read, pages: unique, skipped: read.skipped + duplicates };
  // A corpus's marked text is sometimes more than the article: Readability's output, or a snippet
  // marked in a sidebar box, runs on into the very regions a credit must not be taken from. Such a
  // page's "article" puts the credits the evaluation splices after the text into those regions.
  // The same holds where the splicing puts the credits: the block it finds as the text's end.
  const pages = loaded.pages.filter(
    (page) => !endsOutsidePost(load(page.html), page.text) && !splicedOutsidePost(page),
  );
  return { ...loaded, pages, unclear: loaded.pages.length - pages.length };
}

function loadAny(dir: string): Omit<Corpus, 'unclear'> {
  if (existsSync(join(dir, 'ground-truth.json'))) return loadBenchmark(dir);
  if (existsSync(join(dir, 'metadata.json')) && existsSync(join(dir, 'dev', 'ground-truth')))
    return loadWcxb(dir);
  const evaldata = [join(dir, 'tests', 'evaldata.json'), join(dir, 'evaldata.json')].find(existsSync);
  if (evaldata) return loadTrafilatura(dir, evaldata);
  const testPages = [join(dir, 'test', 'test-pages'), join(dir, 'test-pages')].find(existsSync);
  if (testPages) return loadReadability(testPages);
  throw new Error(`${dir}: none of ground-truth.json, tests/evaldata.json or test/test-pages is there`);
}

function loadBenchmark(dir: string) {
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as Record<
    string,
    { url: string; articleBody: string }
  >;
  const pages: CorpusPage[] = [];
  let skipped = 0;
  for (const [id, entry] of Object.entries(truth)) {
    const html = readMaybeGzip(join(dir, 'html', `${id}.html`));
    if (!html || !entry.articleBody?.trim()) {
      skipped++;
      continue;
    }
    pages.push({ id, url: entry.url, html, text: entry.articleBody });
  }
  return { name: 'article-extraction-benchmark', pages, skipped };
}

const WCXB_TYPES = new Set(['article', 'documentation']);

function loadWcxb(dir: string) {
  const metadata = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as {
    files: Record<string, { split: string; page_type: string }>;
  };
  const pages: CorpusPage[] = [];
  let skipped = 0;
  for (const [id, entry] of Object.entries(metadata.files)) {
    if (!WCXB_TYPES.has(entry.page_type)) continue;
    const truthFile = join(dir, entry.split, 'ground-truth', `${id}.json`);
    const html = readMaybeGzip(join(dir, entry.split, 'html', `${id}.html`));
    const truth = existsSync(truthFile)
      ? (JSON.parse(readFileSync(truthFile, 'utf8')) as {
          url?: string;
          ground_truth?: { main_content?: string };
        })
      : undefined;
    const text = truth?.ground_truth?.main_content;
    if (!html || !truth?.url || !text?.trim()) {
      skipped++;
      continue;
    }
    pages.push({ id: `wcxb-${id}`, url: truth.url, html, text });
  }
  return { name: 'wcxb', pages, skipped };
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

function loadTrafilatura(dir: string, evaldata: string) {
  const root = join(evaldata, '..');
  const data = JSON.parse(readFileSync(evaldata, 'utf8')) as Record<
    string,
    { file: string; with: string[]; without: string[] }
  >;
  const pages: CorpusPage[] = [];
  let skipped = 0;
  for (const [url, entry] of Object.entries(data)) {
    const file = [join(root, 'eval', entry.file), join(root, 'cache', entry.file)].find(existsSync);
    const html = file ? readFileSync(file, 'utf8') : undefined;
    const text = html ? markedText(html, entry.with, entry.without) : undefined;
    if (!html || !text) {
      skipped++;
      continue;
    }
    pages.push({ id: entry.file, url, html, text });
  }
  void dir;
  return { name: 'trafilatura-eval', pages, skipped };
}

function loadReadability(root: string) {
  const pages: CorpusPage[] = [];
  let skipped = 0;
  for (const name of readdirSync(root).sort()) {
    const html = readMaybeGzip(join(root, name, 'source.html'));
    const expected = readMaybeGzip(join(root, name, 'expected.html'));
    const text = expected ? blockText(load(expected).root().get(0) as AnyNode).join('\n') : '';
    if (!html || text.split(/\s+/).length < 120) {
      skipped++;
      continue;
    }
    const $ = load(html);
    const linked = $('link[rel=canonical]').attr('href') ?? $('meta[property="og:url"]').attr('content');
    let url = `https://${name.replace(/-\d+$/, '').replace(/[^a-z0-9-]/gi, '')}.readability.test/${name}`;
    try {
      if (linked && /^https?:$/.test(new URL(linked).protocol) && !/fakehost/.test(linked))
        url = new URL(linked).href;
    } catch {}
    pages.push({ id: name, url, html, text });
  }
  return { name: 'readability-test-pages', pages, skipped };
}

/**
 * Regions that are never a post's own: readers' comments, a sidebar, the site's header, menus and
 * footer, related posts or products, and the widgets no site puts a credit in (an ad's disclaimer, an
 * embedded tweet). This list is the evaluation's, not the checker's. Classes on the body or `main`
 * ("has-mobile-menu") describe the page, not a region.
 */
const OUTSIDE_POST =
  /^(?:ads?|ad-disclaimer.*|advert.*|.+-embed|twitter-tweet|instagram-media|share|sharedaddy|related.*|.+-related|jp-relatedposts|comments?|comments?-(?:area|list|section|wrapper|container)|commentlist|comment-list|respond|disqus_thread|sidebar|widget-area|header-widget-area|colophon|site-header|masthead|menu|sub-menu|main-menu|navbar|navigation|site-footer|page-footer|global-footer)$/i;

function inOutsideRegion(element: Element): boolean {
  for (
    let node: Element | null = element;
    node && node.type === 'tag';
    node = node.parent as Element | null
  ) {
    if (node.name === 'body' || node.name === 'main' || node.name === 'html') continue;
    if (node.name === 'nav') return true;
    const names = [node.attribs.id ?? '', ...(node.attribs.class ?? '').split(/\s+/)];
    if (names.some((name) => OUTSIDE_POST.test(name))) return true;
  }
  return false;
}

/** Whether the block where the credits are spliced, the text's end as `locate` finds it, is in such a region. */
function splicedOutsidePost(page: CorpusPage): boolean {
  const located = locate(page.html, page.text);
  return located !== undefined && inOutsideRegion(located.last);
}

/** Whether the text's last line sits in the page inside readers' comments, a sidebar or the site's footer. */
function endsOutsidePost($: CheerioAPI, text: string): boolean {
  const lines = text.split('\n').map(squash);
  const last = [...lines]
    .reverse()
    .find((line) => line.split(' ').length >= 8)
    ?.slice(0, 80);
  if (!last) return false;
  const holders = $('body *')
    .toArray()
    .filter((element) => squash($(element).text()).includes(last)) as Element[];
  const deepest = holders.at(-1);
  return deepest !== undefined && inOutsideRegion(deepest);
}

const BLOCKS = new Set([
  'p',
  'div',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'br',
  'tr',
  'blockquote',
  'section',
]);

/** The text under `node`, one line a block element, spaces squashed, empty lines left out. */
function blockText(node: AnyNode): string[] {
  const parts: string[] = [];
  const walk = (current: AnyNode) => {
    if (current.type === 'text') parts.push((current as unknown as { data: string }).data);
    if (current.type !== 'tag' && current.type !== 'root') return;
    const element = current as Element;
    const isBlock = BLOCKS.has(element.name);
    if (isBlock) parts.push('\n');
    for (const child of element.children) walk(child);
    if (isBlock) parts.push('\n');
  };
  walk(node);
  return parts.join('').split('\n').map(squash).filter(Boolean);
}

/** The text of the smallest element holding every `with` snippet, or nothing when unclear. */
function markedText(html: string, withSnippets: string[], withoutSnippets: string[]): string | undefined {
  if (withSnippets.length < 2) return undefined;
  const $ = load(html);
  $('script, style, noscript, template').remove();
  const wanted = withSnippets.map(squash).filter((snippet) => snippet.length > 0);
  const body = $('body').get(0) as Element | undefined;
  if (!body || !wanted.every((snippet) => squash($(body).text()).includes(snippet))) return undefined;
  let node: Element = body;
  // Descend while one child still holds every snippet: linear in depth × children.
  for (;;) {
    const next: Element | undefined = (node.children as AnyNode[]).find(
      (child): child is Element =>
        child.type === 'tag' && wanted.every((snippet) => squash($(child).text()).includes(snippet)),
    );
    if (!next) break;
    node = next;
  }
  const lines = blockText(node);
  // The smallest element holding the snippets often ends with what the page puts after a post's
  // text inside it (share buttons, tags): text past the last marked snippet is not known to be the
  // article's, so the article ends with the line that holds the last snippet.
  const joined = lines.join(' ');
  const ends = wanted.map((snippet) => {
    const at = joined.lastIndexOf(snippet);
    return at < 0 ? joined.length : at + snippet.length;
  });
  const end = Math.max(...ends);
  let offset = 0;
  let keep = lines.length;
  for (let index = 0; index < lines.length; index++) {
    offset += lines[index]!.length + 1;
    if (offset >= end) {
      keep = index + 1;
      break;
    }
  }
  const text = lines.slice(0, keep).join('\n');
  // The page is left out when the element also holds boilerplate, trimmed or not: the same pages
  // whatever the trimming.
  if (withoutSnippets.some((snippet) => squash(snippet).length > 3 && joined.includes(squash(snippet))))
    return undefined;
  if (text.split(/\s+/).length < 120) return undefined;
  return text;
}
