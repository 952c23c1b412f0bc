import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configError } from '../errors.ts';
import type { Finding } from '../findings/types.ts';
import { siteHostOf } from '../net/url.ts';
import { safeLine } from '../safe-text.ts';
import { BUILT_IN_LETTERS } from './letters.ts';

/**
 * The letters a rights manager sends to a republisher. Which letter depends on the violation: a
 * site that left out the credit or the link is asked to add it (`credit`); a commercial site
 * without a licence is offered one instead (`licence`). It is written in the page's language when
 * there is a letter in it, else in the publisher's (the article's language), else in English.
 *
 * The letters are Markdown files in `rules/notices/`, one per kind and language, named
 * `KIND.LANGUAGE.md` (`credit.fr.md`); their `{{placeholders}}` are filled in from a finding. A
 * single `rules/notice.md` (the older layout) serves every kind and language. The publisher edits
 * the wording; a placeholder the program does not know is an error naming the file and line.
 */
export const NOTICE_FILE = 'notice.md';
export const NOTICES_DIR = 'notices';
export const NOTICE_KINDS = ['credit', 'licence'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_PLACEHOLDERS = {
  publisher: "the publisher's name (rules/terms.yaml publisher.name)",
  publisher_home: "the publisher's home page (rules/terms.yaml publisher.home)",
  site: "the republishing site's display name (its `name` in rules/sites.yaml, else its host)",
  site_url: "the republishing site's address",
  site_kind: 'community or commercial',
  licence: "the site's licence: none, or when it was granted and expires",
  contact: "the site's contact from rules/sites.yaml",
  page_url: 'the address of the reprint',
  page_title: 'the title of the reprint',
  article_title: 'the title of the original article',
  article_url: 'the address of the original article',
  missing: 'a bulleted list of what the terms require and the page lacks, in the letter’s language',
  first_seen: 'the day the reprint was first seen violating the terms',
  deadline: 'the day the site was asked to fix the reprint by (empty when none)',
  today: "today's date",
} as const;

export type NoticeField = keyof typeof NOTICE_PLACEHOLDERS;

export interface NoticeTemplate {
  file: string;
  text: string;
}

/** Every letter available: by kind, then by language (lower-case tag). */
export interface NoticeSet {
  source: string;
  templates: Record<NoticeKind, Record<string, NoticeTemplate>>;
}

/** The English credit letter (kept for callers that render one template). */
export const DEFAULT_NOTICE: string = BUILT_IN_LETTERS.credit.en;

/** The letters a rules folder without its own gets. */
export function builtInNotices(): NoticeSet {
  const templates: NoticeSet['templates'] = { credit: {}, licence: {} };
  for (const kind of NOTICE_KINDS) {
    for (const [language, text] of Object.entries(BUILT_IN_LETTERS[kind])) {
      templates[kind][language] = { file: `(built-in ${kind}.${language})`, text };
    }
  }
  return { source: '(built-in letters)', templates };
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const TEMPLATE_NAME = /^([a-z]+)\.([a-z]{2,3}(?:-[a-z0-9]{1,8})*)\.md$/;

/** Read and check the letters of `rulesDir`: its `notices/` folder, its `notice.md`, or the built-in ones. */
export function loadNotices(rulesDir: string): NoticeSet {
  const folder = join(rulesDir, NOTICES_DIR);
  if (isDirectory(folder)) return readNoticeFolder(folder);
  const single = join(rulesDir, NOTICE_FILE);
  if (existsSync(single)) {
    const template = checkNoticeTemplate({ file: single, text: readText(single) });
    return {
      source: single,
      templates: { credit: { en: template }, licence: { en: template } },
    };
  }
  return builtInNotices();
}

function readNoticeFolder(folder: string): NoticeSet {
  const templates: NoticeSet['templates'] = { credit: {}, licence: {} };
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.md')) continue;
    const file = join(folder, name);
    const parts = TEMPLATE_NAME.exec(name.toLowerCase());
    const kind = parts?.[1] as NoticeKind | undefined;
    if (!parts || !kind || !NOTICE_KINDS.includes(kind)) {
      throw configError(
        `a letter is named KIND.LANGUAGE.md with KIND one of ${NOTICE_KINDS.join(', ')} (credit.fr.md, say)`,
        { file },
      );
    }
    templates[kind][parts[2]!] = checkNoticeTemplate({ file, text: readText(file) });
  }
  for (const kind of NOTICE_KINDS) {
    if (Object.keys(templates[kind]).length === 0) {
      throw configError(`no ${kind} letter: add ${kind}.en.md (or another language)`, { file: folder });
    }
  }
  return { source: folder, templates };
}

/** Read and check `rulesDir/notice.md`, or the built-in English credit letter when it is absent. */
export function loadNoticeTemplate(rulesDir: string): NoticeTemplate {
  const file = join(rulesDir, NOTICE_FILE);
  if (!existsSync(file)) return { file: '(built-in notice)', text: DEFAULT_NOTICE };
  return checkNoticeTemplate({ file, text: readText(file) });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(`cannot read: ${(error as Error).message}`, { file }, error);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
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
  publisherHome?: string;
  /** The publisher's language for this finding (the article's): the fallback after the page's. */
  language?: string;
  today: string;
}

/** One letter, ready to send: which template was used, its subject line and its body. */
export interface Notice {
  kind: NoticeKind;
  language: string;
  file: string;
  subject: string;
  body: string;
  /** Subject line and body as one text (what `renderNotice` returns). */
  text: string;
}

/** The kind of letter a finding calls for: a licence offer when a commercial site has none. */
export function noticeKindOf(finding: Pick<Finding, 'violations'>): NoticeKind {
  return finding.violations.some((violation) => violation.rule === 'commercial-use') ? 'licence' : 'credit';
}

/** The letter for one finding, chosen by kind and language, filled in. Plain text; each format escapes it. */
export function composeNotice(
  notices: NoticeSet | NoticeTemplate,
  finding: Finding,
  context: NoticeContext,
): Notice {
  const kind = noticeKindOf(finding);
  const set = 'templates' in notices ? notices : undefined;
  const [language, template] = set
    ? pick(set.templates[kind], [finding.evidence.language, context.language, 'en'])
    : ['en', notices as NoticeTemplate];
  const values = noticeValues(finding, { ...context, language });
  const text = template.text.replace(
    PLACEHOLDER,
    (_whole, name: string) => values[name as NoticeField] ?? '',
  );
  const subject = /^Subject:[ \t]*(.*)\r?\n/i.exec(text);
  return {
    kind,
    language,
    file: template.file,
    subject: subject ? subject[1]!.trim() : '',
    body: subject ? text.slice(subject[0].length).replace(/^\s*\n/, '') : text,
    text,
  };
}

/** The letter's text for one finding (subject line included). */
export function renderNotice(
  notices: NoticeSet | NoticeTemplate,
  finding: Finding,
  context: NoticeContext,
): string {
  return composeNotice(notices, finding, context).text;
}

/** The first language of `wanted` with a letter (a full tag, then its primary language), else any. */
function pick(
  byLanguage: Record<string, NoticeTemplate>,
  wanted: ReadonlyArray<string | undefined>,
): [string, NoticeTemplate] {
  for (const tag of wanted) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    for (const candidate of [lower, lower.split('-')[0]!]) {
      const template = byLanguage[candidate];
      if (template) return [candidate, template];
    }
  }
  const [first] = Object.entries(byLanguage).sort(([a], [b]) => a.localeCompare(b));
  return first!;
}

export function noticeValues(finding: Finding, context: NoticeContext): Record<NoticeField, string> {
  const site = finding.evidence.site;
  const language = (context.language ?? 'en').split('-')[0]!;
  const words = MISSING[language] ?? MISSING.en!;
  const missing = finding.violations.length
    ? [...new Map(finding.violations.map((violation) => [violation.rule, violation])).values()]
        .map((violation) => `- ${words[violation.rule] ?? oneLine(violation.message)}`)
        .join('\n')
    : `- ${words.nothing}`;
  return {
    publisher: oneLine(context.publisher ?? 'The editors'),
    publisher_home: context.publisherHome ?? '',
    site: oneLine(site?.name || hostOrText(site?.url ?? finding.pageUrl)),
    site_url: site?.url ?? originOf(finding.pageUrl),
    site_kind: site?.kind ?? '',
    licence: licenceWords(finding, words),
    contact: oneLine(site?.contact ?? ''),
    page_url: finding.pageUrl,
    page_title: oneLine(finding.pageTitle ?? ''),
    article_title: oneLine(finding.articleTitle),
    article_url: finding.articleUrl,
    missing,
    first_seen: finding.firstSeen.slice(0, 10),
    deadline: finding.deadline ?? '',
    today: context.today.slice(0, 10),
  };
}

/** What the page lacks, rule by rule, in each language a letter is written in. */
const MISSING: Record<string, Record<string, string>> = {
  en: {
    'source-attribution': 'a credit naming us as the source',
    'copyright-notice': 'the copyright notice of the article',
    'link-to-original': 'a link to the original article (a link to our home page is not enough)',
    'commercial-use': 'a licence for commercial use',
    nothing: '(nothing: the page was compliant when last checked)',
    noLicence: 'none',
    expired: 'expired on',
  },
  fr: {
    'source-attribution': 'une mention de notre publication comme source',
    'copyright-notice': "la mention du copyright de l'article",
    'link-to-original': "un lien vers l'article original (un lien vers notre page d'accueil ne suffit pas)",
    'commercial-use': 'une licence pour un usage commercial',
    nothing: '(rien : la page était conforme lors de la dernière vérification)',
    noLicence: 'aucune',
    expired: 'expirée le',
  },
  es: {
    'source-attribution': 'un crédito que nos cite como fuente',
    'copyright-notice': 'el aviso de copyright del artículo',
    'link-to-original': 'un enlace al artículo original (un enlace a nuestra portada no basta)',
    'commercial-use': 'una licencia para uso comercial',
    nothing: '(nada: la página cumplía las condiciones en la última comprobación)',
    noLicence: 'ninguna',
    expired: 'caducada el',
  },
};

function licenceWords(finding: Finding, words: Record<string, string>): string {
  const licence = finding.evidence.site?.licence;
  if (!licence) return words.noLicence!;
  return licence.expires ? `${words.expired} ${licence.expires}` : licence.granted;
}

function oneLine(text: string): string {
  return safeLine(text).replace(/\s+/g, ' ').trim().slice(0, 500);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function hostOrText(url: string): string {
  return siteHostOf(url) ?? url;
}
