import { createHash } from 'node:crypto';
import type { Finding } from '../findings/types.ts';
import { escapeHtml, htmlLink, safeHref } from '../text/html.ts';
import { plural } from '../text/plural.ts';
import { discoveriesHtml } from './discoveries.ts';
import {
  describeLicence,
  describeResult,
  type ReportData,
  type ReportFinding,
  type SiteSummary,
} from './model.ts';

/**
 * The report for people: one self-contained HTML file (inline CSS, no external assets) that opens
 * from disk or a mail attachment. Its own Content-Security-Policy allows no script but one, by
 * hash: the few lines below that show times in the reader's own time zone and open the notices for
 * printing. Nothing from a crawled page can run, even after a mistake in escaping.
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
          `<p class="empty">${escapeHtml(noViolationsSentence(report))}</p>`
        }</section>`,
        reviewSection(report),
        failureSection(report),
      ].join('\n')
    : '<p class="empty">No scan has been recorded yet: run <code>syndicate scan</code>.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}${PRINT_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="meta">Generated ${time(report.generated)}${
    report.publisher ? ` for ${escapeHtml(report.publisher)}` : ''
  }</p></header>
<main>
${body}
${discoveriesHtml(report.discoveries)}
</main>
<script>${LOCAL_TIME_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Times are written as UTC with a `<time datetime>`; this shows them in the reader's time zone and
 * language, and opens every notice before printing (for browsers that print closed `<details>`
 * closed). It reads only attributes the report wrote.
 */
const LOCAL_TIME_SCRIPT = `for(const t of document.querySelectorAll('time[datetime]')){const d=new Date(t.getAttribute('datetime'));if(!Number.isNaN(d.getTime())){t.title=t.textContent;t.textContent=d.toLocaleString(undefined,{dateStyle:'medium',timeStyle:'short'})}}addEventListener('beforeprint',()=>{for(const d of document.querySelectorAll('details'))d.open=true})`;
const SCRIPT_HASH = `sha256-${createHash('sha256').update(LOCAL_TIME_SCRIPT).digest('base64')}`;

/** A time for people: `2026-01-03 03:00 UTC` until the script shows it in local time. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '';
  const readable = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)
    ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
    : iso;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(readable)}</time>`;
}

export const REPORT_CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;background:#fafafa;margin:0}
header,main{max-width:1100px;margin:0 auto;padding:0 1rem;box-sizing:border-box}
h1{font-size:1.5rem;margin:1.2rem 0 .2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:.2rem 0}
.meta{color:#555;margin:0}.empty{color:#555;font-style:italic}.alert{background:#fde2e1;border:1px solid #e3a29c;padding:.5rem .8rem;border-radius:4px}
tr[data-result=compliant] td.result{color:#1e7b34}tr[data-result=violations] td.result,tr[data-result=unreachable] td.result{color:#a4281b}tr[data-result="partly scanned"] td.result{color:#8a5a00}
table{border-collapse:collapse;margin:.5rem 0;background:#fff;max-width:100%}th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f0f0f0;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:normal}
table.by-site{width:100%;font-size:.9rem}table.by-site th{font-size:.8rem}table.by-site th.n{text-align:right}
table.failures,table.links{width:100%;table-layout:fixed}table.failures td,table.links td{overflow-wrap:anywhere}
table.failures th:first-child{width:45%}table.failures th:nth-child(2){width:16%}
table.links th:first-child{width:35%}table.links th:nth-child(2){width:50%}
.nowrap,time{white-space:nowrap}.site-id{color:#555;font-size:.8rem}
.finding{background:#fff;border:1px solid #ddd;border-left:4px solid #c0392b;border-radius:4px;padding:.8rem 1rem;margin:1rem 0}
.finding.resolved,.finding.dismissed,.finding.licensed{border-left-color:#7f8c8d}.finding.uncertain{border-left-color:#d68910}
.badge{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:3px;background:#eee;margin-right:.3rem}
.badge.new,.badge.reopened{background:#fde2e1}.badge.status-open{background:#fde2e1}.badge.status-resolved{background:#e1f5e4}.badge.overdue{background:#f5cba7}.badge.review{background:#fcf3cf}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.side>div{min-width:0}
.side h4{margin:.4rem 0;font-size:.9rem;color:#555}
blockquote{margin:.3rem 0;padding:.3rem .6rem;border-left:3px solid #ccc;background:#f7f7f7;white-space:pre-wrap;overflow-wrap:anywhere}
.missing li{color:#a4281b}.suspected li{color:#8a5a00}.evidence{color:#333;font-size:.9rem;overflow-wrap:anywhere}
.url,a{overflow-wrap:anywhere}code{font-size:.85rem}
pre.notice{white-space:pre-wrap;background:#fffdf3;border:1px solid #eee3b8;padding:.6rem;overflow-wrap:anywhere}
table.failures{font-size:.85rem}
nav.filters form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
nav.filters label{display:flex;flex-direction:column;font-size:.85rem}
@media (max-width:700px){.side{grid-template-columns:1fr}}
`;

/** On paper: every notice open (no script needed), no backgrounds, no finding split across pages. */
const PRINT_CSS = `
@media print{body{background:#fff;font-size:11pt}header,main{max-width:none;padding:0}
details::details-content{content-visibility:visible;display:block}details>summary{list-style:none;font-weight:600}
.finding{break-inside:avoid-page;border-color:#999}a{color:inherit}pre.notice{background:none}}
`;

/** "No violations" always says how much was checked. */
function noViolationsSentence(report: ReportData): string {
  const coverage = report.coverage;
  if (coverage.outage)
    return 'No page of any site could be fetched: nothing was checked, so this scan cannot say whether there are violations.';
  return `No violations on the ${plural(coverage.pagesChecked, 'page')} checked (${coverage.sitesChecked} of ${plural(coverage.sites, 'site')}${
    coverage.unreachable.length ? `; ${coverage.unreachable.length} unreachable` : ''
  }${coverage.partlyScanned.length ? `; ${coverage.partlyScanned.length} partly scanned` : ''}).`;
}

function coverageSentence(report: ReportData): string {
  const coverage = report.coverage;
  const parts = [
    `Checked ${plural(coverage.pagesChecked, 'page')} on ${coverage.sitesChecked} of ${plural(coverage.sites, 'site')}.`,
  ];
  if (coverage.unreachable.length) parts.push(`Unreachable: ${coverage.unreachable.join(', ')}.`);
  if (coverage.partlyScanned.length) parts.push(`Partly scanned: ${coverage.partlyScanned.join(', ')}.`);
  if (coverage.failed) parts.push(`${plural(coverage.failed, 'URL')} could not be fetched (listed below).`);
  return parts.join(' ');
}

function scanHeader(report: ReportData): string {
  const scan = report.scan!;
  const counts = scan.counts;
  const previous = report.previous
    ? `compared with scan ${report.previous.id} of ${time(report.previous.started)}`
    : 'the first scan';
  const outage = report.coverage.outage
    ? '<p class="alert" id="outage"><strong>Nothing was checked:</strong> no page of any site could be fetched. The failures are listed at the end; the findings stay as they were.</p>'
    : '';
  return `<section id="scan"><p>Scan ${scan.id}, started ${time(scan.started)}, ${
    scan.finished ? `finished ${time(scan.finished)}` : '<strong>not finished</strong>'
  }; ${previous}. Sites: ${escapeHtml(scan.sites.join(', ') || 'all')}.</p>
${outage}<p class="coverage">${escapeHtml(coverageSentence(report))}</p>
<table class="counts"><tr><th>pages checked</th><th>reprints</th><th>compliant</th><th>violations</th><th>needs review</th><th>new</th><th>reopened</th><th>resolved</th><th>failed</th></tr>
<tr>${[
    report.coverage.pagesChecked,
    counts.reprints,
    counts.compliant,
    counts.violations,
    report.needsReview.length,
    counts.new,
    counts.reopened,
    counts.resolved,
    report.coverage.failed,
  ]
    .map((value) => `<td class="n">${escapeHtml(value)}</td>`)
    .join('')}</tr></table></section>`;
}

/**
 * The licence in a few words that fit a table cell (`licensed to 2027-12-31`), the whole of it
 * (grant, expiry, reference) in the tooltip and in each finding's evidence.
 */
function licenceCell(site: SiteSummary): string {
  const licence = site.licenceTerms;
  if (!licence) return '<span class="licence site-id">no licence</span>';
  const words = licence.expires ? `licensed to ${licence.expires}` : `licensed from ${licence.granted}`;
  return `<span class="licence site-id nowrap" title="${escapeHtml(site.licence)}">${escapeHtml(words)}</span>`;
}

function summaryTables(report: ReportData): string {
  const count = (value: number | null) => `<td class="n">${value === null ? '–' : value}</td>`;
  const sites = report.bySite
    .map(
      (site) =>
        `<tr data-site="${escapeHtml(site.site)}" data-result="${escapeHtml(site.result)}"><td class="site">${
          site.name
            ? `${escapeHtml(site.name)}<br><span class="site-id">${escapeHtml(site.site)}</span>`
            : escapeHtml(site.site)
        }</td><td class="kind">${escapeHtml(site.kind)}<br>${licenceCell(site)}</td><td class="result">${escapeHtml(
          describeResult(site),
        )}</td>${[site.pagesChecked, site.failed].map(count).join('')}<td class="n">${
          site.reprints === null ? '–' : site.reprints
        }${site.excerpts ? `<br><span class="site-id nowrap">${plural(site.excerpts, 'excerpt')}</span>` : ''}</td>${[
          site.violations,
          site.needsReview,
          site.byStatus.open,
          site.byStatus.contacted,
          site.byStatus.resolved,
        ]
          .map((value) => count(value))
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
      ? `<table class="by-site"><tr><th>site</th><th>kind and licence</th><th>result</th><th class="n">pages checked</th><th class="n">failed</th><th class="n">reprints</th><th class="n">violations</th><th class="n">needs review</th><th class="n">open now</th><th class="n">contacted now</th><th class="n">resolved</th></tr>${sites}</table>
<p class="meta">Open, contacted and resolved count each site's findings as they stand now, whichever scan last saw them.${
          report.bySite.some((site) => site.pages === null)
            ? ' –: this scan was recorded before pages were counted per site.'
            : ''
        }</p>`
      : '<p class="empty">No sites in this scan.</p>'
  }
<h3>By rule</h3>${
    rules
      ? `<table class="by-rule"><tr><th>rule</th><th>reprints violating it</th></tr>${rules}</table>`
      : `<p class="empty">${escapeHtml(noViolationsSentence(report))}</p>`
  }</section>`;
}

function reviewSection(report: ReportData): string {
  return `<section id="review"><h2>Needs review (${report.needsReview.length})</h2>${
    report.needsReview.length
      ? `<p class="meta">The checker could not judge these reprints with confidence. They are not violations and get no notice; a person decides.</p>${report.needsReview.map(reviewArticle).join('\n')}`
      : '<p class="empty">Nothing needs review.</p>'
  }</section>`;
}

function failureSection(report: ReportData): string {
  const sites = report.bySite.filter((site) => site.failures.length > 0 || (site.failed ?? 0) > 0);
  const body = sites
    .map((site) => {
      const rows = site.failures
        .map(
          (failure) =>
            `<tr><td class="url">${escapeHtml(failure.url)}</td><td><code>${escapeHtml(failure.kind)}</code></td><td>${escapeHtml(failure.message)}</td></tr>`,
        )
        .join('');
      const more =
        (site.failed ?? 0) > site.failures.length
          ? `<p class="meta">… and ${(site.failed ?? 0) - site.failures.length} more.</p>`
          : '';
      return `<div class="site-failures" data-site="${escapeHtml(site.site)}"><h3>${escapeHtml(site.name ?? site.site)}: ${escapeHtml(
        describeResult(site),
      )}</h3>${
        site.incomplete.length ? `<p class="meta">${escapeHtml(site.incomplete.join('; '))}</p>` : ''
      }${rows ? `<table class="failures"><tr><th>URL</th><th>kind</th><th>message</th></tr>${rows}</table>` : ''}${more}</div>`;
    })
    .join('\n');
  const total = sites.reduce((sum, site) => sum + (site.failed ?? 0), 0);
  return `<section id="failures"><h2>What the scan could not see (${total})</h2>${
    body || '<p class="empty">Every URL the scan asked for was fetched.</p>'
  }</section>`;
}

function findingList(title: string, id: string, findings: readonly ReportFinding[], empty: string): string {
  const items = findings
    .map(
      (finding) =>
        `<li><a href="#finding-${finding.id}">${escapeHtml(finding.pageTitle || finding.pageUrl)}</a> <span class="url">${escapeHtml(
          finding.pageUrl,
        )}</span> (${escapeHtml(finding.evidence.site?.name ?? finding.site ?? 'unregistered site')}${
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
  const overdue = finding.overdueSince
    ? `<span class="badge overdue">overdue since ${escapeHtml(finding.deadline)}</span>`
    : finding.deadline
      ? `<span class="badge">deadline ${escapeHtml(finding.deadline)}</span>`
      : '';
  return `<article class="finding ${escapeHtml(finding.status)}" id="finding-${finding.id}">
<h3>${escapeHtml(finding.pageTitle || finding.pageUrl)}</h3>
<p><span class="badge status-${escapeHtml(finding.status)}">${escapeHtml(finding.status)}</span>${change}${overdue}Finding ${finding.id}; first seen ${time(
    finding.firstSeen,
  )}, last seen ${time(finding.lastSeen)}.</p>
${findingEvidenceHtml(finding)}
${notesHtml(finding)}
<details class="notice"><summary>Notice draft (${escapeHtml(noticeLabel(finding))})</summary><pre class="notice">${escapeHtml(finding.notice)}</pre></details>
</article>`;
}

function noticeLabel(finding: ReportFinding): string {
  const kind = finding.noticeKind === 'licence' ? 'licence offer' : 'credit and link';
  return finding.noticeLanguage ? `${kind}, ${finding.noticeLanguage}` : kind;
}

function notesHtml(finding: ReportFinding): string {
  return finding.notes.length
    ? `<h4>Notes</h4><ul class="notes">${finding.notes
        .map((note) => `<li>${time(note.at)} ${escapeHtml(note.who)}: ${escapeHtml(note.note)}</li>`)
        .join('')}</ul>`
    : '';
}

/** A reprint the checker could not judge: what it suspects and why, and no notice. */
function reviewArticle(finding: ReportFinding): string {
  const suspected = finding.evidence.suspected ?? [];
  return `<article class="finding uncertain" id="finding-${finding.id}">
<h3>${escapeHtml(finding.pageTitle || finding.pageUrl)}</h3>
<p><span class="badge review">needs review</span>Finding ${finding.id}; last seen ${time(finding.lastSeen)}.</p>
<h4>Why the checker could not decide</h4><p class="reason">${escapeHtml(finding.evidence.reason ?? 'no reason recorded')}</p>
<h4>Suspected</h4>${
    suspected.length
      ? `<ul class="suspected">${suspected
          .map(
            (item) =>
              `<li><code>${escapeHtml(item.rule)}</code>${item.message ? `: ${escapeHtml(item.message)}` : ''}${
                item.reason ? ` <span class="reason">(${escapeHtml(item.reason)})</span>` : ''
              }</li>`,
          )
          .join('')}</ul>`
      : '<p class="empty">No rule named.</p>'
  }
${reprintSide(finding)}
${notesHtml(finding)}
</article>`;
}

/** The evidence of one finding: shared by the report and the review pages. */
export function findingEvidenceHtml(finding: Finding & { licensed?: boolean }): string {
  const evidence = finding.evidence;
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
  return `${reprintSide(finding)}
<h4>Matched passage${passages.length === 1 ? '' : 's'} (the page | the original)</h4>${passageRows}
<h4>What is missing</h4>${missing}
<h4>Links found on the page</h4>${links}`;
}

/** The reprint and the original side by side: site, licence, coverage, when it was fetched. */
function reprintSide(finding: Finding & { licensed?: boolean }): string {
  const evidence = finding.evidence;
  const site = evidence.site;
  return `<div class="side"><div><h4>The reprint</h4><p>${htmlLink(finding.pageUrl, finding.pageTitle || finding.pageUrl)}<br><span class="url">${escapeHtml(
    finding.pageUrl,
  )}</span></p><p>Site: ${escapeHtml(site?.name ?? finding.site ?? 'unregistered')} (${escapeHtml(
    site?.kind ?? 'kind unknown',
  )}); licence: ${escapeHtml(describeLicence(site))}${finding.licensed ? ' (valid on the day of the scan)' : ''}</p></div>
<div><h4>The original</h4><p>${htmlLink(finding.articleUrl, finding.articleTitle || finding.articleUrl)}<br><span class="url">${escapeHtml(
    finding.articleUrl,
  )}</span></p><p>${escapeHtml(evidence.kind ?? 'reprint')}${
    evidence.coverage !== undefined ? `, ${Math.round(evidence.coverage * 100)}% of the article` : ''
  }${evidence.fetchedAt ? `, fetched ${time(evidence.fetchedAt)}` : ''}</p></div></div>`;
}
