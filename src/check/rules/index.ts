import type { Rule } from '../rule.ts';
import commercialUse from './commercial-use.ts';
import copyrightNotice from './copyright-notice.ts';
import linkToOriginal from './link-to-original.ts';
import sourceAttribution from './source-attribution.ts';

/** Every rule, explicitly. A test fails if one has no test table or no description. */
// biome-ignore lint/suspicious/noExplicitAny: each rule has its own options type, checked against its optionsSchema when the terms load.
export const ruleRegistry: Rule<any>[] = [sourceAttribution, copyrightNotice, linkToOriginal, commercialUse];
