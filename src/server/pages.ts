import type { FindingSort, ScanSiteTrend } from '../findings/queries.ts';
import type { AuditEntry, Finding, ReviewStatus, Scan } from '../findings/types.ts';
import { REVIEW_STATUSES } from '../findings/types.ts';
import { findingEvidenceHtml } from '../report/index.ts';
import { escapeHtml } from '../text/html.ts';
import { plural } from '../text/plural.ts';
import { type Chart, lineChart } from './charts.ts';
import type { ListQuery } from './list-query.ts';
import { listQueryString, SORT_LABELS, VERDICT_LABELS } from './list-query.ts';
import type { SiteProblem } from './unreachable.ts';

/**
 * HTML of the review pages. Everything works with plain links and forms; `/review/app.js` (our
 * own file, the only script the Content-Security-Policy allows) adds keyboard triage and the copy
 * button. Every text that came from a crawled page goes through `escapeHtml`.
 */

export function layout(title: string, body: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/review/style.css">
<script src="/review/app.js" defer></script>
</head>
<body${options.wide ? ' class="wide"' : ''}>
<header><nav class="top"><a href="/">feeds</a> <a href="/review">findings</a> <a href="/review/dashboard">dashboard</a> <a href="/review/discoveries">discoveries</a></nav><h1>${escapeHtml(title)}</h1></header>
<main>
${body}
</main>
</body>
</html>
`;
}

export function homePage(feeds: readonly string[]): string {
  const items = feeds
    .map((name) => `<li><a href="/${encodeURIComponent(name)}">${escapeHtml(name)}</a></li>`)
    .join('');
  return layout(
    'syndicate',
    `<h2>Feeds</h2>${items ? `<ul class="feeds">${items}</ul>` : '<p class="empty">No feeds built yet: run <code>syndicate build</code>.</p>'}
<h2>Review</h2><p><a href="/review">Findings to review</a> · <a href="/review/dashboard">Dashboard</a></p>`,
  );
}

/** A time as `2026-01-03 03:00 UTC`, kept on one line; the script shows it in local time. */
export function timeHtml(iso: string | null | undefined): string {
  if (!iso) return '';
  const shown = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(shown)}</time>`;
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
}

function statusBadge(status: string, id?: string): string {
  return `<span class="badge status-${escapeHtml(status)}"${id ? ` id="${id}"` : ''}>${escapeHtml(status)}</span>`;
}

const KEYS_HELP =
  '<p class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>x</kbd> select, <kbd>Enter</kbd> open, <kbd>/</kbd> search.</p>';

export interface ListPageOptions {
  findings: readonly Finding[];
  total: number;
  query: ListQuery;
  counts: Record<ReviewStatus, number>;
  facets: { sites: string[]; rules: string[] };
  scans: readonly Scan[];
  csrf: string;
  who: string;
  message?: string;
}

export function listPage(options: ListPageOptions): string {
  const { query, facets, findings } = options;
  const pages = Math.max(1, Math.ceil(options.total / query.per));
  const first = (query.page - 1) * query.per;
  const link = (changes: Partial<ListQuery>) => `/review${listQueryString({ ...query, ...changes })}`;
  const sortLink = (sort: FindingSort, label: string) => {
    const active = query.sort === sort;
    const direction = active && query.direction === 'desc' ? 'asc' : 'desc';
    return `<a href="${escapeHtml(link({ sort, direction, page: 1 }))}" class="sort${active ? ' active' : ''}"${
      active ? ` aria-sort="${query.direction === 'asc' ? 'ascending' : 'descending'}"` : ''
    }>${escapeHtml(label)}${active ? (query.direction === 'asc' ? ' ↑' : ' ↓') : ''}</a>`;
  };
  const filters = `<form method="get" action="/review" class="filters" role="search">
<label class="search">search<input type="search" name="q" value="${escapeHtml(query.search)}" maxlength="200" placeholder="title, site, URL, article"></label>
<label>site<select name="site">${option('', 'any', !query.site)}${facets.sites
    .map((site) => option(site, site, site === query.site))
    .join('')}</select></label>
<label>rule<select name="rule">${option('', 'any', !query.rule)}${facets.rules
    .map((rule) => option(rule, rule, rule === query.rule))
    .join('')}</select></label>
<label>status<select name="status">${option('active', 'open or contacted', query.status === 'active')}${option(
    'all',
    'any',
    query.status === 'all',
  )}${REVIEW_STATUSES.map((status) => option(status, status, status === query.status)).join('')}</select></label>
<label>verdict<select name="verdict">${Object.entries(VERDICT_LABELS)
    .map(([value, label]) => option(value, label, value === query.verdict))
    .join('')}</select></label>
<label>new since<select name="since">${option('', 'any time', query.newSince === undefined)}${options.scans
    .map((scan) =>
      option(String(scan.id), `scan ${scan.id} (${scan.started.slice(0, 10)})`, scan.id === query.newSince),
    )
    .join('')}</select></label>
<label>sort<select name="sort">${Object.entries(SORT_LABELS)
    .map(([value, label]) => option(value, label, value === query.sort))
    .join('')}</select></label>
<label>order<select name="dir">${option('desc', 'descending', query.direction === 'desc')}${option(
    'asc',
    'ascending',
    query.direction === 'asc',
  )}</select></label>
<label>per page<select name="per">${[25, 50, 100, 200].map((n) => option(String(n), String(n), n === query.per)).join('')}</select></label>
<button type="submit">Show</button> <a href="/review" class="reset">reset</a>
</form>`;
  const counts = `<ul class="status-counts">${REVIEW_STATUSES.map(
    (status) =>
      `<li><a href="${escapeHtml(link({ status, page: 1 }))}" data-status="${status}">${statusBadge(status)} <span class="n">${options.counts[status]}</span></a></li>`,
  ).join('')}</ul>`;
  const back = listQueryString(query);
  const rows = findings
    .map((finding, index) => {
      const at = first + index;
      const href = `/review/finding/${finding.id}${listQueryString(query, { at })}`;
      const rules = [...new Set(finding.violations.map((violation) => violation.rule))].join(', ');
      return `<tr data-finding="${finding.id}"><td class="pick"><input type="checkbox" name="id" value="${finding.id}" form="bulk" aria-label="select finding ${finding.id}"></td><td class="n">${finding.id}</td><td>${statusBadge(
        finding.status,
      )}${finding.verdict === 'violation' ? '' : ` <span class="badge verdict-${escapeHtml(finding.verdict)}">${escapeHtml(VERDICT_LABELS[finding.verdict as keyof typeof VERDICT_LABELS] ?? finding.verdict)}</span>`}</td><td class="site">${escapeHtml(
        finding.site ?? 'unregistered',
      )}</td><td class="page"><a class="title" href="${escapeHtml(href)}">${escapeHtml(finding.pageTitle || finding.pageUrl)}</a><span class="url">${escapeHtml(
        finding.pageUrl,
      )}</span><span class="article">reprints ${escapeHtml(finding.articleTitle || finding.articleUrl)}</span></td><td class="rules">${escapeHtml(rules)}</td><td class="date">${timeHtml(
        finding.firstSeen,
      )}</td><td class="date">${timeHtml(finding.lastSeen)}</td></tr>`;
    })
    .join('');
  const pager = pagerHtml(query.page, pages, (page) => link({ page }));
  const bulk = `<form method="post" action="/review/bulk${escapeHtml(back)}" id="bulk" class="bulk">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<span class="selected" aria-live="polite">Change the selected findings:</span>
<label>your name<input name="who" required maxlength="200" value="${escapeHtml(options.who)}" autocomplete="name"></label>
<label>status<select name="status">${REVIEW_STATUSES.map((status) => option(status, status, false)).join('')}</select></label>
<label class="grow">note (one for all)<input name="note" maxlength="10000"></label>
<button type="submit">Apply to selected</button>
</form>`;
  const shown = findings.length
    ? `${plural(options.total, 'finding')}; ${first + 1}–${first + findings.length} shown`
    : `${plural(options.total, 'finding')}`;
  return layout(
    'Findings',
    `${options.message ? `<p class="message" role="status">${escapeHtml(options.message)}</p>` : ''}${counts}
<details class="filters"${query.isDefault ? '' : ' open'}><summary>Search and filter</summary>${filters}</details>
<p class="count">${shown}</p>${
      rows
        ? `${bulk}<div class="table"><table class="findings"><thead><tr><th class="pick"><input type="checkbox" class="pick-all" aria-label="select all on this page" hidden></th><th>${sortLink(
            'id',
            'id',
          )}</th><th>status</th><th>${sortLink('site', 'site')}</th><th>${sortLink('title', 'page')}</th><th>rules</th><th>${sortLink(
            'first-seen',
            'first seen',
          )}</th><th>${sortLink('last-seen', 'last seen')}</th></tr></thead><tbody>${rows}</tbody></table></div>${pager}`
        : '<p class="empty">No findings match.</p>'
    }${KEYS_HELP}`,
    { wide: true },
  );
}

/** Links to the pages around this one, and to the first and last. */
export function pagerHtml(page: number, pages: number, link: (page: number) => string): string {
  if (pages <= 1) return '';
  const item = (target: number, label: string, rel?: string) =>
    target === page
      ? `<li><span aria-current="page">${escapeHtml(label)}</span></li>`
      : `<li><a href="${escapeHtml(link(target))}"${rel ? ` rel="${rel}"` : ''}>${escapeHtml(label)}</a></li>`;
  const around = new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages]);
  const numbers = [...around].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  const parts: string[] = [];
  if (page > 1) parts.push(item(page - 1, '← previous', 'prev'));
  let last = 0;
  for (const n of numbers) {
    if (n > last + 1) parts.push('<li class="gap">…</li>');
    parts.push(item(n, String(n)));
    last = n;
  }
  if (page < pages) parts.push(item(page + 1, 'next →', 'next'));
  return `<nav class="pager" aria-label="pages"><ul>${parts.join('')}</ul><p class="meta">page ${page} of ${pages}</p></nav>`;
}

/** What the finding page needs besides the finding. */
export interface FindingPageOptions {
  finding: Finding & { licensed?: boolean };
  audit: readonly AuditEntry[];
  csrf: string;
  who: string;
  message?: string;
  /** The query string of the list the reviewer came from (with `at`), kept on every link and form. */
  context: string;
  previous?: string;
  next?: string;
  backToList: string;
  notice: { text: string; subject: string; body: string; to: string };
  reprint?: ReprintView;
  evidence: EvidenceView;
}

/** The stored copy of the reprint as text, with the matched passages marked. */
export interface ReprintView {
  fetchedAt: string;
  /** Text pieces; odd indexes are matched passages. */
  pieces: string[];
  truncated: boolean;
  matched: number;
  snapshotHref: string;
}

export interface EvidenceView {
  /** When the capture shown was made. */
  capturedAt?: string;
  /** Files to offer (name, address); empty when none were captured. */
  files: Array<{ name: string; href: string; size?: number; sha256?: string }>;
  screenshotHref?: string;
  /** Why there is nothing to show, when there is not. */
  note?: string;
}

export function findingPage(options: FindingPageOptions): string {
  const { finding, csrf } = options;
  const log = options.audit
    .map(
      (entry) =>
        `<tr><td class="date">${timeHtml(entry.at)}</td><td>${escapeHtml(entry.who)}</td><td>${
          entry.fromStatus === entry.toStatus
            ? '<span class="meta">note</span>'
            : `${escapeHtml(entry.fromStatus ?? 'new')} → ${escapeHtml(entry.toStatus)}`
        }</td><td class="note">${escapeHtml(entry.note ?? '')}</td></tr>`,
    )
    .join('');
  const hidden = `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;
  const who = `<label>your name<input name="who" required maxlength="200" value="${escapeHtml(options.who)}" autocomplete="name"></label>`;
  const resolved = finding.resolvedAt
    ? `<li>resolved ${timeHtml(finding.resolvedAt)}${finding.resolvedWhy ? ` (${escapeHtml(finding.resolvedWhy)})` : ''}</li>`
    : '';
  const nav = `<nav class="step" aria-label="findings">${
    options.previous
      ? `<a href="${escapeHtml(options.previous)}" rel="prev" data-key="k">← previous</a>`
      : '<span class="meta">← previous</span>'
  } <a href="${escapeHtml(options.backToList)}" data-key="u">back to the list</a> ${
    options.next
      ? `<a href="${escapeHtml(options.next)}" rel="next" data-key="j">next →</a>`
      : '<span class="meta">next →</span>'
  }</nav>`;
  const mailto = `mailto:${encodeURIComponent(options.notice.to).replace(/%40/g, '@')}?subject=${encodeURIComponent(
    options.notice.subject,
  )}&body=${encodeURIComponent(options.notice.body)}`;
  const notice = `<section class="notice" id="notice"><h2>Notice draft</h2>
<p class="notice-actions"><button type="button" class="copy" data-copy="notice-text" hidden>Copy the letter</button> <a class="mailto" href="${escapeHtml(
    mailto,
  )}">Write it in your mail program</a>${options.notice.to ? ` to ${escapeHtml(options.notice.to)}` : ' (no contact known for this site)'}<span class="copied" role="status"></span></p>
<pre class="notice" id="notice-text">${escapeHtml(options.notice.text)}</pre></section>`;
  const context = escapeHtml(options.context);
  const statusButtons = REVIEW_STATUSES.map(
    (status, index) =>
      `<button type="submit" name="status" value="${status}" data-key="${index + 1}"${
        status === finding.status ? ' class="current"' : ''
      }><kbd>${index + 1}</kbd> ${status}</button>`,
  ).join('');
  return layout(
    `Finding ${finding.id}: ${finding.pageTitle || finding.pageUrl}`,
    `${options.message ? `<p class="message" role="status">${escapeHtml(options.message)}</p>` : ''}${nav}
<ul class="facts"><li>Status ${statusBadge(finding.status, 'status')}</li><li>verdict ${escapeHtml(
      VERDICT_LABELS[finding.verdict as keyof typeof VERDICT_LABELS] ?? finding.verdict,
    )}</li><li>first seen ${timeHtml(finding.firstSeen)}</li><li>last seen ${timeHtml(finding.lastSeen)}</li>${resolved}</ul>
<section class="actions">
<h2>Review</h2>
<form method="post" action="/review/finding/${finding.id}/status${context}" class="status-form">${hidden}${who}
<label class="grow">note (optional)<textarea name="note" rows="2" maxlength="10000"></textarea></label>
<div class="buttons" role="group" aria-label="set the status">${statusButtons}</div></form>
<form method="post" action="/review/finding/${finding.id}/note${context}" class="note-form">${hidden}${who}
<label class="grow">note<textarea name="note" rows="2" required maxlength="10000"></textarea></label>
<button type="submit">Add note</button></form>
</section>
<section class="finding ${escapeHtml(finding.status)}">${findingEvidenceHtml(finding)}</section>
${reprintHtml(options.reprint)}
${evidenceHtml(options.evidence)}
${notice}
<h2>History</h2>
${log ? `<div class="table"><table class="audit"><thead><tr><th>when</th><th>who</th><th>change</th><th>note</th></tr></thead><tbody>${log}</tbody></table></div>` : '<p class="empty">No changes yet.</p>'}
<p class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous finding, <kbd>1</kbd>–<kbd>5</kbd> set the status (${REVIEW_STATUSES.join(', ')}), <kbd>u</kbd> back to the list, <kbd>c</kbd> copy the letter.</p>`,
  );
}

function reprintHtml(reprint: ReprintView | undefined): string {
  if (!reprint) {
    return '<section class="reprint"><h2>The reprint as stored</h2><p class="empty">No stored copy of this page (it was checked without a crawl, or the crawl data was removed).</p></section>';
  }
  const text = reprint.pieces
    .map((piece, index) => (index % 2 === 1 ? `<mark>${escapeHtml(piece)}</mark>` : escapeHtml(piece)))
    .join('');
  return `<section class="reprint"><h2>The reprint as stored</h2>
<p class="meta">The text of the page as fetched ${timeHtml(reprint.fetchedAt)}, shown as text (nothing of the page runs here); ${
    reprint.matched === 0
      ? 'the matched passage was not found word for word in it.'
      : `${plural(reprint.matched, 'matched passage')} marked.`
  } <a href="${escapeHtml(reprint.snapshotHref)}">The stored HTML, as plain text</a>.</p>
<div class="reprint-text">${text}${reprint.truncated ? '<p class="meta">… (cut: the page is longer)</p>' : ''}</div></section>`;
}

function evidenceHtml(evidence: EvidenceView): string {
  const files = evidence.files.length
    ? `<ul class="evidence-files">${evidence.files
        .map(
          (file) =>
            `<li><a href="${escapeHtml(file.href)}" download>${escapeHtml(file.name)}</a>${
              file.size !== undefined
                ? ` <span class="meta">${escapeHtml(file.size.toLocaleString('en-US'))} bytes</span>`
                : ''
            }${file.sha256 ? ` <code class="hash">sha256 ${escapeHtml(file.sha256)}</code>` : ''}</li>`,
        )
        .join('')}</ul>`
    : '';
  const screenshot = evidence.screenshotHref
    ? `<figure class="screenshot"><a href="${escapeHtml(evidence.screenshotHref)}"><img src="${escapeHtml(
        evidence.screenshotHref,
      )}" alt="screenshot of the reprint as a reader saw it" loading="lazy"></a></figure>`
    : '';
  const note = evidence.note ? `<p class="empty">${escapeHtml(evidence.note)}</p>` : '';
  const when = evidence.capturedAt
    ? `<p class="meta">Captured ${timeHtml(evidence.capturedAt)}: what a reader saw, the exchange as fetched (WARC) and the SHA-256 of each file (manifest).</p>`
    : '';
  return `<section class="evidence-capture"><h2>Evidence</h2>${when}${screenshot}${files}${note}</section>`;
}

export interface DashboardOptions {
  scans: readonly Scan[];
  trend: readonly ScanSiteTrend[];
  /** Per scan id: the sites it could not reach, or reached only in part. */
  problems: ReadonlyMap<number, readonly SiteProblem[]>;
  totals: Record<ReviewStatus, number>;
  needsReview: number;
}

const SERIES = ['open', 'new', 'resolved', 'needsReview'] as const;
const SERIES_LABELS: Record<(typeof SERIES)[number], string> = {
  open: 'open',
  new: 'new',
  resolved: 'resolved',
  needsReview: 'needs review',
};

export function dashboardPage(options: DashboardOptions): string {
  const scans = [...options.scans].sort((a, b) => a.id - b.id);
  if (scans.length === 0) {
    return layout('Dashboard', '<p class="empty">No scan recorded yet: run <code>syndicate scan</code>.</p>');
  }
  const sum = (scan: number, site?: string) => {
    const rows = options.trend.filter(
      (row) => row.scan === scan && (site === undefined || row.site === site),
    );
    return Object.fromEntries(
      SERIES.map((key) => [key, rows.reduce((total, row) => total + Number(row[key] ?? 0), 0)]),
    ) as Record<(typeof SERIES)[number], number>;
  };
  const chartOf = (title: string, site?: string): Chart => ({
    title,
    labels: scans.map((scan) => `#${scan.id}`),
    series: SERIES.map((key) => ({
      name: SERIES_LABELS[key],
      key,
      values: scans.map((scan) => sum(scan.id, site)[key]),
    })),
  });
  const sites = [...new Set(options.trend.map((row) => row.site))].sort();
  const latest = scans.at(-1)!;
  const latestSums = sum(latest.id);
  const tiles = `<ul class="tiles">${SERIES.map(
    (key) => `<li class="tile ${key}"><span class="n">${latestSums[key]}</span> ${SERIES_LABELS[key]}</li>`,
  ).join('')}</ul>`;
  const problemCell = (scan: number, result: SiteProblem['result']) => {
    const found = (options.problems.get(scan) ?? []).filter((problem) => problem.result === result);
    return found.length
      ? found
          .map((entry) => `<span title="${escapeHtml(entry.why)}">${escapeHtml(entry.site)}</span>`)
          .join(', ')
      : '<span class="meta">none</span>';
  };
  const table = `<div class="table"><table class="trend"><thead><tr><th>scan</th><th>started</th>${SERIES.map(
    (key) => `<th>${SERIES_LABELS[key]}</th>`,
  ).join('')}<th>unreachable sites</th><th>partly scanned</th></tr></thead><tbody>${[...scans]
    .reverse()
    .map((scan) => {
      const sums = sum(scan.id);
      return `<tr data-scan="${scan.id}"><td class="n">${scan.id}</td><td class="date">${timeHtml(scan.started)}</td>${SERIES.map(
        (key) => `<td class="n">${sums[key]}</td>`,
      ).join(
        '',
      )}<td class="unreachable">${problemCell(scan.id, 'unreachable')}</td><td class="partly">${problemCell(
        scan.id,
        'partly scanned',
      )}</td></tr>`;
    })
    .join('')}</tbody></table></div>`;
  const problemsNow = options.problems.get(latest.id) ?? [];
  const unreachableList = problemsNow.length
    ? `<ul class="unreachable-now">${problemsNow
        .map(
          (entry) =>
            `<li data-result="${escapeHtml(entry.result)}"><strong>${escapeHtml(entry.site)}</strong> ${escapeHtml(
              entry.result,
            )}: ${escapeHtml(entry.why)}</li>`,
        )
        .join('')}</ul>`
    : '<p class="empty">Every site of the last scan was reached and scanned whole.</p>';
  const perSite = sites
    .map(
      (site) =>
        `<figure class="chart small" data-site="${escapeHtml(site)}">${lineChart(chartOf(site, site), { width: 360, height: 160 })}</figure>`,
    )
    .join('');
  return layout(
    'Dashboard',
    `<p class="meta">Last scan ${latest.id}, started ${timeHtml(latest.started)}. Review status of every finding now: ${REVIEW_STATUSES.map(
      (status) => `${escapeHtml(status)} ${options.totals[status]}`,
    ).join(', ')}; needs review ${options.needsReview}.</p>
${tiles}
<h2>Sites the last scan could not see whole</h2>${unreachableList}
<h2>Across scans</h2>
<figure class="chart">${lineChart(chartOf('All sites'), { width: 720, height: 240 })}</figure>
${table}
<h2>Per site</h2><div class="charts">${perSite || '<p class="empty">No findings yet.</p>'}</div>
<p class="meta">open: violations a scan saw that still wait for someone; new: seen first (or again) in that scan; resolved: compliant or gone in that scan; needs review: the checker was not sure.</p>`,
    { wide: true },
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<p class="message">${escapeHtml(message)}</p>`);
}
