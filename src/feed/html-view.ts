import { createHash } from 'node:crypto';
import type { FeedFormat } from '../config/feeds.ts';
import { escapeHtml } from '../text/html.ts';
import { type DocumentSink, renderText } from './_pieces.ts';
import type { FeedDocument, FeedItem } from './model.ts';

/**
 * The page a person sees who opens a feed's address in a browser: what a feed is and how to
 * subscribe (the addresses of each format), then the items with their dates, authors, summaries
 * and the attribution the terms ask for. Written at build time next to the feed (a hidden file,
 * `.ID.view.html`), so that `serve` or any web server doing content negotiation hands it out
 * without parsing a feed. No script and no XSLT: every value is escaped text, except the
 * attribution block, which is the publisher's own template filled with escaped values; the one
 * style sheet is inline and allowed by its hash (`VIEW_CONTENT_SECURITY_POLICY`).
 */

export function viewFileName(id: string): string {
  return `.${id}.view.html`;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}
header{border-bottom:1px solid #ccc;margin-bottom:1.5rem}
.about{background:#f3f6fa;border:1px solid #d5dde8;border-radius:6px;padding:.75rem 1rem}
code{font-size:.95em;word-break:break-all}
article{margin:0 0 1.75rem}
article h2{font-size:1.2rem;margin:0 0 .25rem}
.meta{color:#555;font-size:.9rem;margin:0}
.credit{font-size:.9rem;color:#444;border-left:3px solid #d5dde8;padding-left:.75rem}
footer{border-top:1px solid #ccc;margin-top:2rem;font-size:.9rem;color:#555}`;

/** The policy the view is served with: nothing may load or run but its own inline style. */
export const VIEW_CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;

const FORMAT_NAMES: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

const formats = new Map<string, Intl.DateTimeFormat | undefined>();
/** Days written out, by language and ISO day: formatting costs more than the rest of an item's view. */
const days = new Map<string, string>();

/** The day in the feed's language (a formatter is costly to make: one a language). */
function date(iso: string, language: string): string {
  // The day in UTC, which is all the format shows (stored dates are in UTC already).
  const utc = iso.endsWith('Z') ? iso : new Date(iso).toISOString();
  const key = `${language}\u0000${utc.slice(0, 10)}`;
  let day = days.get(key);
  if (day !== undefined) return day;
  if (!formats.has(language)) {
    let format: Intl.DateTimeFormat | undefined;
    try {
      format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
    } catch {
      format = undefined;
    }
    formats.set(language, format);
  }
  day = formats.get(language)?.format(new Date(iso)) ?? iso.slice(0, 10);
  // Bounded: a build's items span a few thousand days at most; the map starts again past that.
  if (days.size >= 10_000) days.clear();
  days.set(key, day);
  return day;
}

export function renderHtmlView(document: FeedDocument): string {
  return renderText(writeHtmlView, document);
}

export function writeHtmlView(document: FeedDocument, sink: DocumentSink): void {
  const formats = (Object.entries(document.self) as Array<[FeedFormat, string]>).filter(([, url]) => url);
  const subscribe = formats
    .map(
      ([format, url]) =>
        `<li>${FORMAT_NAMES[format]}: <a href="${escapeHtml(url)}" type="${format === 'json' ? 'application/feed+json' : `application/${format}+xml`}"><code>${escapeHtml(url)}</code></a></li>`,
    )
    .join('\n');
  const { language } = document;
  const top = `<!doctype html>
<html lang="${escapeHtml(document.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.title)} — ${escapeHtml(document.publisher.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(document.title)}</h1>
${document.description ? `<p>${escapeHtml(document.description)}</p>` : ''}
<div class="about">
<p>This is a web feed: the newest articles of <a href="${escapeHtml(document.home)}">${escapeHtml(document.publisher.name)}</a>, for feed readers. To follow it, copy one of these addresses into your feed reader:</p>
<ul>
${subscribe}
</ul>
</div>
</header>
<main>
`;
  sink.text(top);
  for (const [index, item] of document.items.entries()) {
    if (index > 0) sink.text('\n');
    sink.piece(item, 'view', language, () => viewItem(item, language));
  }
  sink.text(`${document.items.length === 0 ? '<p>No articles yet.</p>' : ''}
</main>
<footer><p>${escapeHtml(document.copyright)}</p></footer>
</body>
</html>
`);
}

/** One item of the view: title, date, authors, summary and the attribution block. */
function viewItem(item: FeedItem, documentLanguage: string): string {
  const authors = item.authors.map((author) => escapeHtml(author.name)).join(', ');
  const language =
    item.language && item.language !== documentLanguage ? ` lang="${escapeHtml(item.language)}"` : '';
  return `<article${language}>
<h2><a href="${escapeHtml(item.url)}">${escapeHtml(item.title)}</a></h2>
<p class="meta"><time datetime="${escapeHtml(item.published)}">${escapeHtml(date(item.published, documentLanguage))}</time>${authors ? ` · ${authors}` : ''}</p>
${item.summary ? `<p>${escapeHtml(item.summary)}</p>` : ''}
${item.creditHtml ? `<div class="credit">${item.creditHtml}</div>` : ''}
</article>`;
}
