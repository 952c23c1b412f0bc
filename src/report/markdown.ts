import { discoveriesMarkdown } from './discoveries.ts';
import { escapeMarkdown, markdownLink } from './escape.ts';
import { describeLicence, type ReportData, type ReportFinding } from './model.ts';

/**
 * The report for e-mail: Markdown that reads well as plain text and renders safely. Text from
 * crawled pages is escaped so that it cannot become HTML, a link or formatting.
 */
export function renderMarkdown(report: ReportData): string {
  const scan = report.scan;
  const lines: string[] = [];
  lines.push(`# Reprint compliance report${scan ? `: scan ${scan.id}` : ''}`, '');
  lines.push(`Generated ${escapeMarkdown(report.generated)}.`, '');
  if (!scan) {
    lines.push('No scan has been recorded yet.', '', ...discoveriesMarkdown(report.discoveries));
    return lines.join('\n');
  }
  const counts = scan.counts;
  lines.push(
    `Scan ${scan.id} started ${escapeMarkdown(scan.started)}${
      scan.finished ? `, finished ${escapeMarkdown(scan.finished)}` : ' (not finished)'
    }${report.previous ? `; compared with scan ${report.previous.id}` : '; the first scan'}.`,
    '',
    `${counts.pages} pages, ${counts.reprints} reprints, ${counts.violations} violations ` +
      `(${counts.new} new, ${counts.reopened} reopened), ${counts.resolved} resolved, ${counts.errors} page errors.`,
    '',
    '## Summary by site',
    '',
  );
  if (report.bySite.length) {
    lines.push(
      '| site | kind | licence | result | pages | page errors | reprints | excerpts | compliant | violations | open | contacted |',
      '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    const count = (value: number | null) => (value === null ? '–' : String(value));
    for (const site of report.bySite) {
      const cells = [
        escapeMarkdown(site.site),
        escapeMarkdown(site.kind),
        escapeMarkdown(site.licence),
        escapeMarkdown(site.result),
        ...[site.pages, site.errors, site.reprints, site.excerpts, site.compliant].map(count),
        String(site.violations),
        String(site.byStatus.open),
        String(site.byStatus.contacted),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    if (report.bySite.some((site) => site.pages === null)) {
      lines.push('', '–: this scan was recorded before pages were counted per site.');
    }
  } else lines.push('No sites in this scan.');
  lines.push('', '## Summary by rule', '');
  if (report.byRule.length) {
    lines.push('| rule | violations |', '|---|---:|');
    for (const rule of report.byRule) lines.push(`| ${escapeMarkdown(rule.rule)} | ${rule.violations} |`);
  } else lines.push('No violations.');
  lines.push('', '## New since the last scan', '', ...list(report.newFindings, 'No new violations.'));
  lines.push(
    '',
    '## Resolved since the last scan',
    '',
    ...list(report.resolvedFindings, 'Nothing resolved.'),
  );
  lines.push('', '## Violations', '');
  if (!report.violations.length) lines.push('No violations in this scan.');
  for (const finding of report.violations) lines.push(...violation(finding));
  lines.push(...discoveriesMarkdown(report.discoveries));
  return `${lines.join('\n').trimEnd()}\n`;
}

function list(findings: readonly ReportFinding[], empty: string): string[] {
  if (!findings.length) return [empty];
  return findings.map(
    (finding) =>
      `- ${markdownLink(finding.pageUrl, finding.pageTitle || finding.pageUrl)} (${escapeMarkdown(
        finding.site ?? 'unregistered site',
      )}${finding.resolvedWhy ? `, ${escapeMarkdown(finding.resolvedWhy)}` : ''})`,
  );
}

function violation(finding: ReportFinding): string[] {
  const site = finding.evidence.site;
  const lines = [
    `### ${finding.id}. ${escapeMarkdown(finding.pageTitle || finding.pageUrl)}`,
    '',
    `- Status: ${finding.status}${finding.change && finding.change !== 'seen' ? ` (${finding.change})` : ''}; first seen ${escapeMarkdown(finding.firstSeen)}`,
    `- Reprint: ${markdownLink(finding.pageUrl)}`,
    `- Original: ${markdownLink(finding.articleUrl, finding.articleTitle || finding.articleUrl)}`,
    `- Site: ${escapeMarkdown(site?.name ?? finding.site ?? 'unregistered')} (${escapeMarkdown(site?.kind ?? 'kind unknown')}), licence: ${escapeMarkdown(describeLicence(site))}`,
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
    'Notice draft:',
    '',
    ...finding.notice
      .trimEnd()
      .split('\n')
      .map((line) => `    ${line}`),
    '',
  );
  return lines;
}
