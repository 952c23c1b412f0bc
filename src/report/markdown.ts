import { escapeMarkdown, markdownCell, markdownLink } from '../text/markdown.ts';
import { plural } from '../text/plural.ts';
import { safeLines } from '../text/safe.ts';
import { discoveriesMarkdown } from './discoveries.ts';
import { describeLicence, describeResult, type ReportData, type ReportFinding } from './model.ts';

/**
 * The report for e-mail: Markdown that reads as plain text in a mail client and renders safely
 * where Markdown is rendered. Text from crawled pages is escaped so that it cannot become HTML, a
 * link or formatting, with backslashes only where Markdown would act on a character.
 */
export function renderMarkdown(report: ReportData): string {
  const scan = report.scan;
  const lines: string[] = [];
  lines.push(`# Reprint compliance report${scan ? `: scan ${scan.id}` : ''}`, '');
  lines.push(`Generated ${when(report.generated)}.`, '');
  if (!scan) {
    lines.push('No scan has been recorded yet.', '', ...discoveriesMarkdown(report.discoveries));
    return lines.join('\n');
  }
  const counts = scan.counts;
  const coverage = report.coverage;
  lines.push(
    `Scan ${scan.id} started ${when(scan.started)}${
      scan.finished ? `, finished ${when(scan.finished)}` : ' (not finished)'
    }${report.previous ? `; compared with scan ${report.previous.id}` : '; the first scan'}.`,
    '',
  );
  if (coverage.outage) {
    lines.push(
      '**Nothing was checked: no page of any site could be fetched.** The failures are listed at the end; the findings stay as they were.',
      '',
    );
  }
  lines.push(
    `Checked ${plural(coverage.pagesChecked, 'page')} on ${coverage.sitesChecked} of ${plural(coverage.sites, 'site')}` +
      `${coverage.unreachable.length ? `; unreachable: ${coverage.unreachable.map(escapeMarkdown).join(', ')}` : ''}` +
      `${coverage.partlyScanned.length ? `; partly scanned: ${coverage.partlyScanned.map(escapeMarkdown).join(', ')}` : ''}.`,
    '',
    `${counts.reprints} reprints, ${counts.violations} violations (${counts.new} new, ${counts.reopened} reopened), ` +
      `${counts.resolved} resolved, ${report.needsReview.length} needing review, ${plural(coverage.failed, 'URL')} not fetched.`,
    '',
    '## Sites',
    '',
  );
  if (report.bySite.length) {
    lines.push(
      '| site | kind | licence | result | pages checked | failed | reprints | violations | needs review | open now | contacted now |',
      '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    const count = (value: number | null) => (value === null ? '–' : String(value));
    for (const site of report.bySite) {
      const cells = [
        markdownCell(site.name ? `${site.name} (${site.site})` : site.site),
        markdownCell(site.kind),
        markdownCell(site.licence),
        markdownCell(describeResult(site)),
        ...[site.pagesChecked, site.failed, site.reprints].map(count),
        String(site.violations),
        String(site.needsReview),
        String(site.byStatus.open),
        String(site.byStatus.contacted),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('', 'Open and contacted count the findings as they stand now, whichever scan last saw them.');
    if (report.bySite.some((site) => site.pages === null)) {
      lines.push('', '–: this scan was recorded before pages were counted per site.');
    }
  } else lines.push('No sites in this scan.');
  lines.push('', '## Summary by rule', '');
  if (report.byRule.length) {
    lines.push('| rule | violations |', '|---|---:|');
    for (const rule of report.byRule) lines.push(`| ${markdownCell(rule.rule)} | ${rule.violations} |`);
  } else lines.push(noViolations(report));
  lines.push('', '## New since the last scan', '', ...list(report.newFindings, 'No new violations.'));
  lines.push(
    '',
    '## Resolved since the last scan',
    '',
    ...list(report.resolvedFindings, 'Nothing resolved.'),
  );
  lines.push('', '## Violations', '');
  if (!report.violations.length) lines.push(noViolations(report));
  for (const finding of report.violations) lines.push(...violation(finding));
  lines.push('', '## Needs review', '');
  if (!report.needsReview.length) lines.push('Nothing needs review.');
  else
    lines.push(
      'The checker could not judge these reprints with confidence. They are not violations and get no notice; a person decides.',
      '',
    );
  for (const finding of report.needsReview) lines.push(...review(finding));
  lines.push('', '## What the scan could not see', '', ...failures(report));
  lines.push(...discoveriesMarkdown(report.discoveries));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** `2026-01-03 03:00 UTC`: a time a person reads at a glance (the JSON report has the ISO one). */
function when(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)
    ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
    : escapeMarkdown(iso);
}

function noViolations(report: ReportData): string {
  const coverage = report.coverage;
  if (coverage.outage) return 'Nothing was checked, so this scan cannot say whether there are violations.';
  return `No violations on the ${plural(coverage.pagesChecked, 'page')} checked (${coverage.sitesChecked} of ${plural(coverage.sites, 'site')}).`;
}

function list(findings: readonly ReportFinding[], empty: string): string[] {
  if (!findings.length) return [empty];
  return findings.map(
    (finding) =>
      `- ${escapeMarkdown(finding.pageTitle || finding.pageUrl)}: ${markdownLink(finding.pageUrl)} (${escapeMarkdown(
        finding.evidence.site?.name ?? finding.site ?? 'unregistered site',
      )}${finding.resolvedWhy ? `, ${escapeMarkdown(finding.resolvedWhy)}` : ''})`,
  );
}

function siteLine(finding: ReportFinding): string {
  const site = finding.evidence.site;
  return `- Site: ${escapeMarkdown(site?.name ?? finding.site ?? 'unregistered')} (${escapeMarkdown(site?.kind ?? 'kind unknown')}), licence: ${escapeMarkdown(describeLicence(site))}`;
}

function violation(finding: ReportFinding): string[] {
  const deadline = finding.overdueSince
    ? `; overdue (deadline ${finding.deadline})`
    : finding.deadline
      ? `; deadline ${finding.deadline}`
      : '';
  const lines = [
    `### ${finding.id}. ${escapeMarkdown(finding.pageTitle || finding.pageUrl)}`,
    '',
    `- Status: ${finding.status}${finding.change && finding.change !== 'seen' ? ` (${finding.change})` : ''}; first seen ${when(finding.firstSeen)}${deadline}`,
    `- Reprint: ${markdownLink(finding.pageUrl)}`,
    `- Original: ${escapeMarkdown(finding.articleTitle || finding.articleUrl)}, ${markdownLink(finding.articleUrl)}`,
    siteLine(finding),
    '- Missing:',
    ...finding.violations.map(
      (item) =>
        `  - ${escapeMarkdown(item.rule)}: ${escapeMarkdown(item.message)}${item.evidence ? ` (${escapeMarkdown(item.evidence)})` : ''}`,
    ),
  ];
  const passage = finding.evidence.passages[0];
  if (passage) lines.push(`- Matched passage: ${escapeMarkdown(passage.page.slice(0, 400))}`);
  if (finding.evidence.links.length) {
    lines.push('- Links found:');
    for (const link of finding.evidence.links.slice(0, 20)) {
      lines.push(
        `  - ${escapeMarkdown(link.text ?? '')} → ${escapeMarkdown(link.href)}${link.rel ? ` (rel ${escapeMarkdown(link.rel)})` : ''}`,
      );
    }
  }
  lines.push(
    '',
    `Notice draft (${finding.noticeKind === 'licence' ? 'licence offer' : 'credit and link'}${finding.noticeLanguage ? `, ${finding.noticeLanguage}` : ''}):`,
    '',
    // An indented block: shown as it is, never rendered, whatever the page's title holds.
    ...safeLines(finding.notice)
      .trimEnd()
      .split('\n')
      .map((line) => `    ${line}`.trimEnd()),
    '',
  );
  return lines;
}

function review(finding: ReportFinding): string[] {
  const suspected = finding.evidence.suspected ?? [];
  return [
    `### ${finding.id}. ${escapeMarkdown(finding.pageTitle || finding.pageUrl)}`,
    '',
    `- Reprint: ${markdownLink(finding.pageUrl)}`,
    `- Original: ${escapeMarkdown(finding.articleTitle || finding.articleUrl)}, ${markdownLink(finding.articleUrl)}`,
    siteLine(finding),
    `- Why the checker could not decide: ${escapeMarkdown(finding.evidence.reason ?? 'no reason recorded')}`,
    `- Suspected: ${suspected.length ? suspected.map((item) => `${escapeMarkdown(item.rule)}${item.message ? ` (${escapeMarkdown([item.message, item.reason].filter(Boolean).join(': '))})` : ''}`).join('; ') : 'no rule named'}`,
    '',
  ];
}

function failures(report: ReportData): string[] {
  const sites = report.bySite.filter((site) => site.failures.length > 0 || (site.failed ?? 0) > 0);
  if (!sites.length) return ['Every URL the scan asked for was fetched.'];
  const lines: string[] = [];
  for (const site of sites) {
    lines.push(`### ${escapeMarkdown(site.name ?? site.site)}: ${escapeMarkdown(describeResult(site))}`, '');
    if (site.incomplete.length) lines.push(`${escapeMarkdown(site.incomplete.join('; '))}.`, '');
    for (const failure of site.failures) {
      lines.push(
        `- ${markdownLink(failure.url)} ${escapeMarkdown(failure.kind)}: ${escapeMarkdown(failure.message)}`,
      );
    }
    const more = (site.failed ?? 0) - site.failures.length;
    if (more > 0) lines.push(`- … and ${more} more`);
    lines.push('');
  }
  return lines;
}
