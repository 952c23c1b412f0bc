import { type RuleEntryCheck, readTermsFile, type Terms, termsSchema } from '../config/terms.ts';
import { ruleRegistry } from './rules/index.ts';

/**
 * Rule ids and options in `rules/terms.yaml` are checked here, against the registry: the
 * configuration layer holds only the file's shape, the rule engine knows which rules exist and
 * what each one's options are.
 */
const checkRuleEntry: RuleEntryCheck = (id, options) => {
  const rule = ruleRegistry.find((candidate) => candidate.meta.id === id);
  if (!rule) {
    return {
      unknownRule: `unknown rule ${JSON.stringify(id)} (known: ${ruleRegistry.map((r) => r.meta.id).join(', ')})`,
    };
  }
  const parsed = rule.meta.optionsSchema.safeParse(options);
  if (!parsed.success) {
    return { issues: parsed.error.issues.map((issue) => ({ message: issue.message, path: issue.path })) };
  }
  return { options: parsed.data };
};

const validatedTermsSchema = termsSchema(checkRuleEntry);

/** `rules/terms.yaml`, every rule id known and every rule's options valid. */
export function loadTerms(rulesDir: string): Terms {
  return readTermsFile(rulesDir, validatedTermsSchema);
}
