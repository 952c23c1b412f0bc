import { z } from 'zod';
import { clip, namesPattern, publisherNames, scopeLines } from '../_scope.ts';
import { defineRule, type RuleReport } from '../rule.ts';

const SIGN =
  /©|\(c\)(?=\s*(?:\d{4}|\p{Lu}))|\bcopyright\b|\bcopr\.|droits d.auteur|derechos de autor|\burheberrecht/giu;
/** A copyright statement ends at a sentence end or a separator; what follows is another statement. */
const STOP = /[.;|•·](?:\s|$)|\s[-–—]\s/u;

export default defineRule({
  meta: {
    id: 'copyright-notice',
    title: 'The reprint keeps the copyright notice',
    failureTitle: 'The reprint has no copyright notice naming the author or the publisher',
    description:
      'Passes when the post carries a copyright statement (©, (c) or "Copyright", with or without a year) that names an author of the article or the publisher. The republisher\'s own notice ("© 2026 Peace Blog") does not count, and neither does one in the site footer.',
    optionsSchema: z
      .strictObject({
        requireYear: z.boolean().default(false).describe('only a statement with a year counts'),
      })
      .default({ requireYear: false }),
    messages: {
      missing: 'The post has no copyright notice naming {{names}}.',
      otherOwner: 'The post has a copyright notice, but for someone else: "{{notice}}".',
      noYear: 'The copyright notice has no year: "{{notice}}".',
      found: 'The post keeps the copyright notice.',
    },
  },
  check(context): RuleReport {
    const owners = [
      ...publisherNames(context.terms),
      ...context.article.authors.map((author) => author.name),
    ];
    const owner = namesPattern(owners);
    const names = [
      context.terms.publisher.name,
      ...context.article.authors.map((author) => author.name),
    ].join(' or ');
    let other: string | undefined;
    let yearless: string | undefined;
    for (const line of scopeLines(context.scope, context.page.base)) {
      for (const found of line.matchAll(SIGN)) {
        const start = found.index;
        let after = line.slice(start, start + 160);
        const stop = STOP.exec(after.slice(found[0].length));
        if (stop) after = after.slice(0, found[0].length + stop.index);
        const before =
          line
            .slice(Math.max(0, start - 60), start)
            .split(STOP)
            .at(-1) ?? '';
        const statement = `${before}${after}`;
        if (!owner.test(statement)) {
          other ??= statement.trim();
          continue;
        }
        if (context.options.requireYear && !/\b(?:19|20)\d{2}\b/.test(statement)) {
          yearless ??= statement.trim();
          continue;
        }
        return { outcome: 'pass', messageId: 'found', evidence: clip(statement) };
      }
    }
    if (yearless)
      return {
        outcome: 'fail',
        messageId: 'noYear',
        data: { notice: clip(yearless, 120) },
        evidence: clip(yearless),
      };
    if (other)
      return {
        outcome: 'fail',
        messageId: 'otherOwner',
        data: { notice: clip(other, 120) },
        evidence: clip(other),
      };
    return {
      outcome: 'fail',
      messageId: 'missing',
      data: { names },
      evidence: 'no copyright statement in the post',
    };
  },
});
