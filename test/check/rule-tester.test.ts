/** The rule tester's own judgement: a tester that cannot fail would prove nothing. */
import { describe, expect, it } from 'vitest';
import { runRule } from '../../src/check/engine.ts';
import sourceAttribution from '../../src/check/rules/source-attribution.ts';
import { checkTables, defaultFixture, prepareContext, problems } from './rule-tester.ts';

describe('RuleTester', () => {
  it('refuses an invalid case without a message id, and two cases of one name', () => {
    const noMessage = { name: 'no id' } as unknown as { name: string; messageId: string };
    expect(() => checkTables(sourceAttribution, { valid: [], invalid: [noMessage] })).toThrow(
      /invalid case "no id" has no messageId/,
    );
    expect(() =>
      checkTables(sourceAttribution, {
        valid: [{ name: 'same' }],
        invalid: [{ name: 'same', messageId: 'missing' }],
      }),
    ).toThrow(/two cases are named "same"/);
  });

  it('reports a valid case the rule fails, a wrong message id and a message the rule does not have', async () => {
    const fixture = await defaultFixture();
    const uncredited = { name: 'uncredited' };
    const outcome = runRule(sourceAttribution, await prepareContext(fixture, sourceAttribution, uncredited));
    expect(outcome.outcome).toBe('fail');
    expect(problems(sourceAttribution, 'valid', uncredited, outcome).join('\n')).toMatch(
      /expected pass, got fail/,
    );
    expect(problems(sourceAttribution, 'invalid', { ...uncredited, messageId: 'missing' }, outcome)).toEqual(
      [],
    );
    expect(
      problems(sourceAttribution, 'invalid', { ...uncredited, messageId: 'found' }, outcome).join('\n'),
    ).toMatch(/expected message "found", got "missing"/);
    expect(
      problems(sourceAttribution, 'invalid', { ...uncredited, messageId: 'nonsense' }, outcome).join('\n'),
    ).toMatch(/has no message "nonsense"/);
    await fixture.sql.close();
  });

  it('prepares the post the checker would judge: the text and what follows it, not the sidebar', async () => {
    const fixture = await defaultFixture();
    const context = await prepareContext(fixture, sourceAttribution, {
      name: 'sidebar',
      afterText: '<p>Post footer line</p>',
      sidebar: '<section class="widget">Via Northwind Review</section>',
    });
    const scopeText = context.scope.map((node) => context.page.$(node).text()).join(' ');
    expect(scopeText).toContain('Post footer line');
    expect(scopeText).not.toContain('Via Northwind Review');
    expect(context.site?.id).toBe('peace-blog');
    expect(runRule(sourceAttribution, context).outcome).toBe('fail');
    await fixture.sql.close();
  });

  it('says so when a case page does not reprint the article', async () => {
    const fixture = { ...(await defaultFixture()), articleId: 'no-such-article' };
    await expect(prepareContext(fixture, sourceAttribution, { name: 'elsewhere' })).rejects.toThrow(
      /case "elsewhere": the page does not reprint no-such-article/,
    );
    await fixture.sql.close();
  });
});
