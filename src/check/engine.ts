import { logger } from '../log.ts';
import type { RuleOutcome } from './result.ts';
import { fillMessage, type Rule, type RuleContext } from './rule.ts';
import { ruleRegistry } from './rules/index.ts';

export function findRule(id: string): Rule<unknown> | undefined {
  return ruleRegistry.find((rule) => rule.meta.id === id);
}

/**
 * Run one rule. A rule that throws becomes an `error` outcome for that rule alone (as Lighthouse
 * does with audits); the other rules still run.
 */
export function runRule(rule: Rule<unknown>, context: RuleContext<unknown>): RuleOutcome {
  try {
    const report = rule.check(context);
    const outcome: RuleOutcome = { rule: rule.meta.id, outcome: report.outcome };
    if (report.messageId) {
      const template = rule.meta.messages[report.messageId];
      if (template === undefined) throw new Error(`rule reported unknown message id ${report.messageId}`);
      outcome.messageId = report.messageId;
      outcome.message = fillMessage(template, report.data);
    }
    if (report.evidence !== undefined) outcome.evidence = report.evidence;
    if (report.details !== undefined || report.data !== undefined) {
      outcome.details = { ...(report.data ?? {}), ...(report.details ?? {}) };
    }
    return outcome;
  } catch (error) {
    logger().warn({ rule: rule.meta.id, err: error }, 'rule failed');
    return {
      rule: rule.meta.id,
      outcome: 'error',
      messageId: 'ruleError',
      message: `${rule.meta.id} could not be checked: ${(error as Error).message ?? String(error)}`,
    };
  }
}

export function runRules(
  rules: ReadonlyArray<{ rule: Rule<unknown>; options: unknown }>,
  context: Omit<RuleContext<unknown>, 'options'>,
): RuleOutcome[] {
  return rules.map(({ rule, options }) => runRule(rule, { ...context, options }));
}
