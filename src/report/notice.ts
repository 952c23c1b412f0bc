import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configError } from '../errors.ts';
import type { Finding } from '../findings/types.ts';

/**
 * The notice a rights manager sends to a republisher: a polite letter from `rules/notice.md`,
 * whose `{{placeholders}}` are filled in from a finding's evidence. The publisher edits the
 * wording; a placeholder the program does not know is an error naming the file and line.
 */
export const NOTICE_FILE = 'notice.md';

export const NOTICE_PLACEHOLDERS = {
  publisher: "the publisher's name (rules/terms.yaml publisher.name)",
  site: "the republishing site's name (or id)",
  site_url: "the republishing site's address",
  contact: "the site's contact from rules/sites.yaml",
  page_url: 'the address of the reprint',
  page_title: 'the title of the reprint',
  article_title: 'the title of the original article',
  article_url: 'the address of the original article',
  missing: 'a bulleted list of what the terms require and the page lacks',
  first_seen: 'the day the reprint was first seen violating the terms',
  today: "today's date",
} as const;

export type NoticeField = keyof typeof NOTICE_PLACEHOLDERS;

export interface NoticeTemplate {
  file: string;
  text: string;
}

export const DEFAULT_NOTICE = `Subject: Reprint of "{{article_title}}" on {{site}}

Dear editors of {{site}},

Thank you for sharing our work with your readers. We found our article "{{article_title}}"
reprinted on your site at:

  {{page_url}}

We are glad for community sites to cross-post our articles. Our terms ask that each reprint
acknowledges the source and the copyright and carries a link to the original article. On the page
above we could not find:

{{missing}}

Could you add these to the page? The original article is at:

  {{article_url}}

If you believe we have made a mistake, or if you hold a licence from us, please tell us and we will
correct our records. We first noticed this on {{first_seen}}.

With thanks and best wishes,
{{publisher}}
`;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Read and check the template in `rulesDir`, or the built-in one when the file is absent. */
export function loadNoticeTemplate(rulesDir: string): NoticeTemplate {
  const file = join(rulesDir, NOTICE_FILE);
  if (!existsSync(file)) return { file: '(built-in notice)', text: DEFAULT_NOTICE };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(`cannot read: ${(error as Error).message}`, { file }, error);
  }
  return checkNoticeTemplate({ file, text });
}

/** Throw naming file and line when the template uses a placeholder nobody fills, or leaves one open. */
export function checkNoticeTemplate(template: NoticeTemplate): NoticeTemplate {
  const lines = template.text.split('\n');
  lines.forEach((line, index) => {
    for (const found of line.matchAll(PLACEHOLDER)) {
      const name = found[1] ?? '';
      if (!(name in NOTICE_PLACEHOLDERS)) {
        throw configError(
          `unknown placeholder {{${name}}}; known: ${Object.keys(NOTICE_PLACEHOLDERS).join(', ')}`,
          { file: template.file, line: index + 1 },
        );
      }
    }
    const rest = line.replace(PLACEHOLDER, '');
    if (rest.includes('{{') || rest.includes('}}')) {
      throw configError('unclosed placeholder: write {{name}}', { file: template.file, line: index + 1 });
    }
  });
  return template;
}

export interface NoticeContext {
  publisher?: string;
  today: string;
}

/** The letter for one finding. The result is plain text; each output format escapes it. */
export function renderNotice(template: NoticeTemplate, finding: Finding, context: NoticeContext): string {
  const values = noticeValues(finding, context);
  return template.text.replace(PLACEHOLDER, (_whole, name: string) => values[name as NoticeField] ?? '');
}

export function noticeValues(finding: Finding, context: NoticeContext): Record<NoticeField, string> {
  const site = finding.evidence.site;
  const missing = finding.violations.length
    ? finding.violations.map((violation) => `- ${oneLine(violation.message)}`).join('\n')
    : '- (nothing: the page was compliant when last checked)';
  return {
    publisher: context.publisher ?? 'The editors',
    site: oneLine(site?.name ?? finding.site ?? hostOf(finding.pageUrl)),
    site_url: site?.url ?? originOf(finding.pageUrl),
    contact: site?.contact ?? '',
    page_url: finding.pageUrl,
    page_title: oneLine(finding.pageTitle ?? ''),
    article_title: oneLine(finding.articleTitle),
    article_url: finding.articleUrl,
    missing,
    first_seen: finding.firstSeen.slice(0, 10),
    today: context.today.slice(0, 10),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
