import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../src/check/check-snapshot.ts';
import { ruleRegistry } from '../../src/check/rules/index.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { fixtureStore } from '../helpers/fixture-store.ts';
import { ORIGINAL, snapshotOf } from './_pages.ts';

describe('rule registry', () => {
  it.each(ruleRegistry.map((rule) => [rule.meta.id, rule] as const))(
    '%s has a description, messages and a test file of its own',
    (id, rule) => {
      expect(rule.meta.description.length).toBeGreaterThan(40);
      expect(rule.meta.title).not.toBe('');
      expect(rule.meta.failureTitle).not.toBe('');
      expect(Object.keys(rule.meta.messages).length).toBeGreaterThan(0);
      expect(existsSync(join(import.meta.dirname, 'rules', `${id}.test.ts`))).toBe(true);
    },
  );
});

describe('rule engine', () => {
  it('turns a rule that throws into an error outcome, runs the others, and makes the match uncertain', async () => {
    const { sql, rules } = await fixtureStore();
    const terms = loadTerms(rules);
    const rule = ruleRegistry.find((candidate) => candidate.meta.id === 'copyright-notice')!;
    const original = rule.check;
    rule.check = () => {
      throw new Error('boom');
    };
    try {
      const credited = `<p>Source: <a href="${ORIGINAL}">Northwind Review</a></p>`;
      const result = await checkSnapshot(sql, snapshotOf({ inText: credited }), { terms, sites: [] });
      const [match] = result.matches;
      expect(match!.rules.find((outcome) => outcome.rule === 'copyright-notice')).toMatchObject({
        outcome: 'error',
        message: expect.stringMatching(/boom/),
      });
      expect(match!.rules.filter((outcome) => outcome.outcome !== 'error')).toHaveLength(3);
      expect(match!.verdict).toBe('uncertain');
      expect(match!.violations).toEqual([]);
      expect(match!.suspected?.map((entry) => entry.rule)).toEqual(['copyright-notice']);
      expect(match!.reason).toMatch(/could not read/);
    } finally {
      rule.check = original;
    }
  });
});
