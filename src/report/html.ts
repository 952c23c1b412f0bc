import type { Finding } from '../findings/types.ts';
import { discoveriesHtml } from './discoveries.ts';
import { escapeHtml, htmlLink, safeHref } from './escape.ts';
import { describeLicence, type ReportData, type ReportFinding } from './model.ts';

/**
 * The report for people: one self-contained HTML file (inline CSS, no scripts, no external
 * assets) that opens from disk or a mail attachment. Its own Content-Security-Policy forbids any
 * script, so even a mistake in escaping could not run code from a crawled page.
 */
export function renderHtml(report: ReportData): string {
  const scan = report.scan;
  const title = scan ? `Reprint compliance report: scan ${scan.id}` : 'Reprint compliance report';
  const body = scan
    ? [
        scanHeader(report),
        summaryTables(report),
        findingList('New since the last scan', 'new', report.newFindings, 'No new violations.'),
        findingList('Resolved since the last scan', 'resolved', report.resolvedFindings, 'Nothing resolved.'),
        `<section id="violations"><h2>Violations (${report.violations.length})</h2>${
          report.violations.map((finding) => findingArticle(finding)).join('\n') ||
          '<p class="empty">No violations in this scan.</p>'
        }</section>`,
      ].join('\n')
    : '<p class="empty">No scan has been recorded yet: run <code>syndicate scan</code>.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="meta">Generated ${escapeHtml(report.generated)}${
    report.publisher ? ` for ${escapeHtml(report.publisher)}` : ''
  }</p></header>
<main>
${body}
${discoveriesHtml(report.discoveries)}
</main>
</body>
</html>
`;
}

export const REPORT_CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;background:#fafafa;margin:0}
header,main{max-width:1100px;margin:0 auto;padding:0 1rem}
h1{font-size:1.5rem;margin:1.2rem 0 .2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:.2rem 0}
.meta{color:#555;margin:0}tr[data-result=compliant] td.result{color:#1e7b34}tr[data-result=violations] td.result{color:#a4281b}.empty{color:#555;font-style:italic}
table{border-collapse:collapse;margin:.5rem 0;background:#fff}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right}
.finding{background:#fff;border:1px solid #ddd;border-left:4px solid #c0392b;border-radius:4px;padding:.8rem 1rem;margin:1rem 0}
.finding.resolved,.finding.dismissed,.finding.licensed{border-left-color:#7f8c8d}
.badge{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:3px;background:#eee;margin-right:.3rem}
.badge.new,.badge.reopened{background:#fde2e1}.badge.status-open{background:#fde2e1}.badge.status-resolved{background:#e1f5e4}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.side>div{min-width:0}
.side h4{margin:.4rem 0;font-size:.9rem;color:#555}
blockquote{margin:.3rem 0;padding:.3rem .6rem;border-left:3px solid #ccc;background:#f7f7f7;white-space:pre-wrap;overflow-wrap:anywhere}
.missing li{color:#a4281b}.evidence{color:#333;font-size:.9rem;overflow-wrap:anywhere}
.url,a{overflow-wrap:anywhere}code{font-size:.85rem}
pre.notice{white-space:pre-wrap;background:#fffdf3;border:1px solid #eee3b8;padding:.6rem;overflow-wrap:anywhere}
nav.filters form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
nav.filters label{display:flex;flex-direction:column;font-size:.85rem}
@media (max-width:700px){.side{grid-template-columns:1fr}}
`;

function scanHeader(report: ReportData): string {
  const scan = report.scan!;
  const counts = scan.counts;
  const previous = report.previous
    ? `compared with scan ${report.previous.id} of ${escapeHtml(report.previous.started)}`
    : 'the first scan';
  return `<section id="scan"><p>Scan ${scan.id}, started ${escapeHtml(scan.started)}, ${
    scan.finished ? `finished ${escapeHtml(scan.finished)}` : '<strong>not finished</strong>'
  }; ${previous}. Sites: ${escapeHtml(scan.sites.join(', ') || 'all')}.</p>
<table class="counts"><tr><th>pages</th><th>reprints</th><th>compliant</th><th>violations</th><th>new</th><th>reopened</th><th>resolved</th><th>page errors</th></tr>
<tr>${[
    counts.pages,
    counts.reprints,
    counts.compliant,
    counts.violations,
    counts.new,
    counts.reopened,
    counts.resolved,
    counts.errors,
  ]
    .map((value) => `<td class="n">${escapeHtml(value)}</td>`)
    .join('')}</tr></table></section>`;
}

function summaryTables(report: ReportData): string {
  const sites = report.bySite
    .map(
      (site) =>
        `<tr data-site="${escapeHtml(site.site)}" data-result="${escapeHtml(site.result)}"><td>${escapeHtml(site.site)}</td><td>${escapeHtml(site.kind)}</td><td>${escapeHtml(site.licence)}</td><td class="result">${escapeHtml(site.result)}</td>${[
          site.pages,
          site.errors,
          site.reprints,
          site.excerpts,
          site.compliant,
          site.violations,
          ...(['open', 'contacted', 'dismissed', 'licensed', 'resolved'] as const).map(
            (status) => site.byStatus[status],
          ),
        ]
          .map((value) => `<td class="n">${value === null ? '–' : value}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  const rules = report.byRule
    .map(
      (rule) =>
        `<tr><td><code>${escapeHtml(rule.rule)}</code></td><td class="n">${rule.violations}</td></tr>`,
    )
    .join('');
  return `<section id="summary"><h2>Summary</h2>
<h3>By site</h3>${
    sites
      ? `<table class="by-site"><tr><th>site</th><th>kind</th><th>licence</th><th>result</th><th>pages</th><th>page errors</th><th>reprints</th><th>excerpts</th><th>compliant</th><th>violations</th><th>open</th><th>contacted</th><th>dismissed</th><th>licensed</th><th>resolved</th></tr>${sites}</table>${
          report.bySite.some((site) => site.pages === null)
            ? '<p class="meta">–: this scan was recorded before pages were counted per site.</p>'
            : ''
        }`
      : '<p class="empty">No sites in this scan.</p>'
  }
<h3>By rule</h3>${
    rules
      ? `<table class="by-rule"><tr><th>rule</th><th>reprints violating it</th></tr>${rules}</table>`
      : '<p class="empty">No violations.</p>'
  }</section>`;
}

function findingList(title: string, id: string, findings: readonly ReportFinding[], empty: string): string {
  const items = findings
    .map(
      (finding) =>
        `<li><a href="#finding-${finding.id}">${escapeHtml(finding.pageTitle || finding.pageUrl)}</a> <span class="url">${escapeHtml(
          finding.pageUrl,
        )}</span> (${escapeHtml(finding.site ?? 'unregistered site')}${
          finding.resolvedWhy ? `, ${escapeHtml(finding.resolvedWhy)}` : ''
        })</li>`,
    )
    .join('');
  return `<section id="${id}"><h2>${escapeHtml(title)} (${findings.length})</h2>${
    items ? `<ul class="finding-list">${items}</ul>` : `<p class="empty">${escapeHtml(empty)}</p>`
  }</section>`;
}

function findingArticle(finding: ReportFinding): string {
  const change =
    finding.change && finding.change !== 'seen'
      ? `<span class="badge ${finding.change}">${finding.change}</span>`
      : '';
  const notes = finding.notes.length
    ? `<h4>Notes</h4><ul class="notes">${finding.notes
        .map((note) => `<li>${escapeHtml(note.at)} ${escapeHtml(note.who)}: ${escapeHtml(note.note)}</li>`)
        .join('')}</ul>`
    : '';
  return `<article class="finding ${escapeHtml(finding.status)}" id="finding-${finding.id}">
<h3>${escapeHtml(finding.pageTitle || finding.pageUrl)}</h3>
<p><span class="badge status-${escapeHtml(finding.status)}">${escapeHtml(finding.status)}</span>${change}Finding ${finding.id}; first seen ${escapeHtml(
    finding.firstSeen,
  )}, last seen ${escapeHtml(finding.lastSeen)}.</p>
${findingEvidenceHtml(finding)}
${notes}
<details><summary>Notice draft</summary><pre class="notice">${escapeHtml(finding.notice)}</pre></details>
</article>`;
}

/** The evidence of one finding: shared by the report and the review pages. */
export function findingEvidenceHtml(finding: Finding & { licensed?: boolean }): string {
  const evidence = finding.evidence;
  const site = evidence.site;
  const passages = evidence.passages.slice(0, 5);
  const passageRows = passages.length
    ? passages
        .map(
          (passage) =>
            `<div class="side passage"><div><blockquote class="page-text">${escapeHtml(passage.page)}</blockquote></div><div><blockquote class="article-text">${escapeHtml(
              passage.article,
            )}</blockquote></div></div>`,
        )
        .join('')
    : '<p class="empty">No passage recorded.</p>';
  const missing = finding.violations.length
    ? `<ul class="missing">${finding.violations
        .map(
          (violation) =>
            `<li><code>${escapeHtml(violation.rule)}</code>: ${escapeHtml(violation.message)}${
              violation.evidence ? `<div class="evidence">${escapeHtml(violation.evidence)}</div>` : ''
            }</li>`,
        )
        .join('')}</ul>`
    : '<p class="empty">Nothing: the page was compliant when last checked.</p>';
  const links = evidence.links.length
    ? `<table class="links"><tr><th>link text</th><th>target</th><th>rel</th></tr>${evidence.links
        .map(
          (link) =>
            `<tr><td>${escapeHtml(link.text ?? '')}</td><td>${safeHref(link.href) ? htmlLink(link.href) : `<span class="url unsafe">${escapeHtml(link.href)}</span>`}</td><td>${escapeHtml(
              link.rel ?? '',
            )}</td></tr>`,
        )
        .join('')}</table>`
    : '<p class="empty">No links recorded.</p>';
  return `<div class="side"><div><h4>The reprint</h4><p>${htmlLink(finding.pageUrl, finding.pageTitle || finding.pageUrl)}<br><span class="url">${escapeHtml(
    finding.pageUrl,
  )}</span></p><p>Site: ${escapeHtml(site?.name ?? finding.site ?? 'unregistered')} (${escapeHtml(
    site?.kind ?? 'kind unknown',
  )}); licence: ${escapeHtml(describeLicence(site))}${finding.licensed ? ' (valid on the day of the scan)' : ''}</p></div>
<div><h4>The original</h4><p>${htmlLink(finding.articleUrl, finding.articleTitle || finding.articleUrl)}<br><span class="url">${escapeHtml(
    finding.articleUrl,
  )}</span></p><p>${escapeHtml(evidence.kind ?? 'reprint')}${
    evidence.coverage !== undefined ? `, ${Math.round(evidence.coverage * 100)}% of the article` : ''
  }${evidence.fetchedAt ? `, fetched ${escapeHtml(evidence.fetchedAt)}` : ''}</p></div></div>
<h4>Matched passage${passages.length === 1 ? '' : 's'} (the page | the original)</h4>${passageRows}
<h4>What is missing</h4>${missing}
<h4>Links found on the page</h4>${links}`;
}
