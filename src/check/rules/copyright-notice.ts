import { z } from 'zod';
import { clip, namesPattern, publisherNames, scopeLines } from '../_scope.ts';
import { defineRule, type RuleReport } from '../rule.ts';

const SIGN =
  /©|\(c\)(?=\s*(?:\d{4}|\p{Lu}))|\bcopyright\b|\bcopr\.|droits d.auteur|derechos de autor|direitos autorais|diritti d.autore|\burheberrecht|(?<rights>all rights reserved|tous droits réservés|todos los derechos reservados|alle rechte vorbehalten|todos os direitos reservados|tutti i diritti riservati|derechos reservados|direitos reservados|diritti riservati)/giu;
/** A copyright statement ends at a sentence end or a separator; what follows is another statement. */
const STOP = /[.;|•·](?:\s|$)|\s[-–—]\s/u;

export default defineRule({
  meta: {
    id: 'copyright-notice',
    title: 'The reprint keeps the copyright notice',
    failureTitle: 'The reprint has no copyright notice naming the author or the publisher',
    description:
      'Passes when the post carries a copyright statement (©, (c), &copy;, "Copyright" or "All rights reserved" in the six built-in languages, with or without a year, name and year in any order) that names an author of the article or the publisher. The republisher\'s own notice ("© 2026 Peace Blog") does not count, and neither does one in the site footer.',
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
        const statement = statementAround(line, found.index, found[0].length, Boolean(found.groups?.rights));
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

/**
 * The statement a copyright sign belongs to: from the previous separator to the next, so that the
 * name and the year may stand on either side ("© 2019 Northwind Review", "Northwind Review © 2019").
 * "All rights reserved" ends a statement, so its owner is in the words before it.
 */
function statementAround(line: string, start: number, length: number, rights: boolean): string {
  let after = line.slice(start, start + 160);
  const stop = STOP.exec(after.slice(length));
  if (stop) after = after.slice(0, length + stop.index);
  const segments = line.slice(Math.max(0, start - 120), start).split(STOP);
  const before = rights ? segments.slice(-2).join(' ') : (segments.at(-1) ?? '');
  return `${before.slice(-80)}${after}`;
}
