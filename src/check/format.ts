import { plural } from '../text/plural.ts';
import { safeLine } from '../text/safe.ts';
import type { CheckReport, QuotationNote } from './result.ts';

/** `check --format json`: the brief's contract. */
export function formatJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `check --format text`: one block per page, for people. */
export function formatText(report: CheckReport): string {
  const lines: string[] = [];
  for (const page of report.pages) {
    if (page.status === 'error') {
      lines.push(`${page.url}: error: ${page.error ?? 'unknown error'}`);
      continue;
    }
    if (page.status === 'no-match') {
      lines.push(`${page.url}: no reprint found`);
      for (const quotation of page.quotations ?? []) lines.push(`  ${quotationLine(quotation)}`);
      continue;
    }
    lines.push(`${page.url}: reprints ${plural(page.matches.length, 'article')}`);
    for (const match of page.matches) {
      const percent = `${Math.round(match.coverage * 100)}%`;
      lines.push(
        `  ${match.verdict.toUpperCase()}  ${match.article.url} (${match.kind}, coverage ${percent})`,
      );
      if (match.verdict === 'uncertain') lines.push(`    needs review: ${match.reason ?? ''}`);
      for (const outcome of match.rules) {
        const mark = { pass: 'ok  ', fail: 'FAIL', unknown: '?   ', error: 'ERR ' }[outcome.outcome];
        lines.push(`    ${mark} ${outcome.rule}: ${outcome.message ?? ''}`);
        if (outcome.outcome === 'fail' && outcome.evidence)
          lines.push(`         evidence: ${outcome.evidence}`);
        const suspected = match.suspected?.find((entry) => entry.rule === outcome.rule);
        if (suspected) lines.push(`         suspected, not a violation: ${suspected.reason}`);
      }
    }
    for (const quotation of page.quotations ?? []) lines.push(`  ${quotationLine(quotation)}`);
  }
  // Titles, links and evidence come from the pages: no control character reaches the terminal.
  return `${lines.map(safeLine).join('\n')}\n`;
}

function quotationLine(quotation: QuotationNote): string {
  const sentences = `${plural(quotation.sentences, 'sentence')}`;
  return `quotes ${quotation.article.url} (${sentences}, ${quotation.words} words): a quotation, not judged`;
}
