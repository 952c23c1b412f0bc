import type { AuditEntry, Finding, ReviewStatus, Scan } from '../findings/types.ts';
import { REVIEW_STATUSES } from '../findings/types.ts';
import { escapeHtml, findingEvidenceHtml } from '../report/index.ts';

/** HTML of the review pages. No script: plain links and forms, styled by /review/style.css. */

export interface ListFilter {
  site?: string;
  rule?: string;
  status?: ReviewStatus | 'all';
  new?: boolean;
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/review/style.css">
</head>
<body>
<header><p class="meta"><a href="/">feeds</a> · <a href="/review">findings</a></p><h1>${escapeHtml(title)}</h1></header>
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
<h2>Review</h2><p><a href="/review">Findings to review</a></p>`,
  );
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
}

export function listPage(options: {
  findings: readonly Finding[];
  total: number;
  filter: ListFilter;
  facets: { sites: string[]; rules: string[] };
  scan: Scan | undefined;
}): string {
  const { filter, facets } = options;
  const form = `<nav class="filters"><form method="get" action="/review">
<label>site<select name="site">${option('', 'any', !filter.site)}${facets.sites
    .map((site) => option(site, site, site === filter.site))
    .join('')}</select></label>
<label>rule<select name="rule">${option('', 'any', !filter.rule)}${facets.rules
    .map((rule) => option(rule, rule, rule === filter.rule))
    .join('')}</select></label>
<label>status<select name="status">${option('active', 'open or contacted', filter.status === undefined)}${option(
    'all',
    'any',
    filter.status === 'all',
  )}${REVIEW_STATUSES.map((status) => option(status, status, status === filter.status)).join('')}</select></label>
<label class="check"><span>new in the last scan</span><input type="checkbox" name="new" value="1"${filter.new ? ' checked' : ''}></label>
<button type="submit">Filter</button>
</form></nav>`;
  const rows = options.findings
    .map(
      (finding) =>
        `<tr data-finding="${finding.id}"><td class="n">${finding.id}</td><td><span class="badge status-${escapeHtml(
          finding.status,
        )}">${escapeHtml(finding.status)}</span></td><td>${escapeHtml(finding.site ?? '')}</td><td><a href="/review/finding/${
          finding.id
        }">${escapeHtml(finding.pageTitle || finding.pageUrl)}</a><br><span class="url">${escapeHtml(finding.pageUrl)}</span></td><td>${escapeHtml(
          [...new Set(finding.violations.map((violation) => violation.rule))].join(', '),
        )}</td><td>${escapeHtml(finding.firstSeen.slice(0, 10))}</td><td>${escapeHtml(finding.lastSeen.slice(0, 10))}</td></tr>`,
    )
    .join('');
  const scan = options.scan
    ? `<p class="meta">Last scan: ${options.scan.id}, ${escapeHtml(options.scan.started)}; ${options.scan.counts.new} new, ${options.scan.counts.resolved} resolved.</p>`
    : '<p class="meta">No scan recorded yet.</p>';
  return layout(
    'Findings',
    `${scan}${form}<p class="count">${options.total} finding${options.total === 1 ? '' : 's'}${
      options.total > options.findings.length ? ` (showing ${options.findings.length})` : ''
    }</p>${
      rows
        ? `<table class="findings"><tr><th>id</th><th>status</th><th>site</th><th>page</th><th>rules</th><th>first seen</th><th>last seen</th></tr>${rows}</table>`
        : '<p class="empty">No findings match.</p>'
    }`,
  );
}

export function findingPage(options: {
  finding: Finding & { licensed?: boolean };
  audit: readonly AuditEntry[];
  csrf: string;
  who: string;
  message?: string;
}): string {
  const { finding, csrf } = options;
  const log = options.audit
    .map(
      (entry) =>
        `<tr><td>${escapeHtml(entry.at)}</td><td>${escapeHtml(entry.who)}</td><td>${escapeHtml(entry.fromStatus ?? '')} → ${escapeHtml(
          entry.toStatus,
        )}</td><td>${escapeHtml(entry.note ?? '')}</td></tr>`,
    )
    .join('');
  const hidden = `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;
  const who = `<label>your name<input name="who" required maxlength="200" value="${escapeHtml(options.who)}"></label>`;
  return layout(
    `Finding ${finding.id}: ${finding.pageTitle || finding.pageUrl}`,
    `${options.message ? `<p class="message">${escapeHtml(options.message)}</p>` : ''}
<p>Status: <span class="badge status-${escapeHtml(finding.status)}" id="status">${escapeHtml(finding.status)}</span>
${finding.resolvedAt ? ` resolved ${escapeHtml(finding.resolvedAt)} (${escapeHtml(finding.resolvedWhy ?? '')})` : ''}
; first seen ${escapeHtml(finding.firstSeen)}, last seen ${escapeHtml(finding.lastSeen)}.</p>
<section class="finding ${escapeHtml(finding.status)}">${findingEvidenceHtml(finding)}</section>
<section class="actions">
<h2>Review</h2>
<form method="post" action="/review/finding/${finding.id}/status" class="status-form">${hidden}${who}
<label>status<select name="status">${REVIEW_STATUSES.map((status) => option(status, status, status === finding.status)).join('')}</select></label>
<label>note<textarea name="note" rows="2" maxlength="10000"></textarea></label>
<button type="submit">Change status</button></form>
<form method="post" action="/review/finding/${finding.id}/note" class="note-form">${hidden}${who}
<label>note<textarea name="note" rows="3" required maxlength="10000"></textarea></label>
<button type="submit">Add note</button></form>
</section>
<h2>History</h2>
<table class="audit"><tr><th>when</th><th>who</th><th>status</th><th>note</th></tr>${log}</table>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<p class="message">${escapeHtml(message)}</p>`);
}

export const REVIEW_EXTRA_CSS = `
.badge.status-contacted{background:#fff3cd}.badge.status-dismissed,.badge.status-licensed{background:#e8e8e8}
form{margin:.5rem 0}.actions form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;background:#fff;border:1px solid #ddd;padding:.5rem}
label{display:flex;flex-direction:column;font-size:.85rem}label.check{flex-direction:row;gap:.3rem;align-items:center}
textarea{min-width:20rem}.message{background:#e1f5e4;padding:.4rem .6rem}
`;
