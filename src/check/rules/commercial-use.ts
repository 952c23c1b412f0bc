import { z } from 'zod';
import { licensedOn } from '../../config/sites.ts';
import { defineRule, type RuleReport } from '../rule.ts';

export default defineRule({
  meta: {
    id: 'commercial-use',
    title: 'A commercial site reprints only under licence',
    failureTitle: 'A commercial site reprints without a valid licence',
    description:
      'Fails when the site is registered in sites.yaml as commercial and holds no licence valid on the day the page was seen. A community site passes. A site that is not registered is reported as unknown, never as a violation.',
    optionsSchema: z.strictObject({}).default({}),
    messages: {
      community: 'The site {{site}} is registered as a community site.',
      licensed: 'The site {{site}} is commercial and holds a licence valid on {{day}}.',
      unlicensed: 'The site {{site}} is commercial and holds no licence.',
      licenceNotValid:
        'The site {{site}} is commercial and its licence ({{granted}} to {{expires}}) was not valid on {{day}}.',
      unregistered: 'The site is not registered in sites.yaml; whether it is commercial is unknown.',
    },
  },
  check(context): RuleReport {
    const site = context.site;
    if (!site) return { outcome: 'unknown', messageId: 'unregistered' };
    const day = context.snapshot.fetchedAt.slice(0, 10);
    const data = { site: site.id, day };
    if (site.kind === 'community') return { outcome: 'pass', messageId: 'community', data };
    if (licensedOn(site, day)) {
      return { outcome: 'pass', messageId: 'licensed', data, details: { licence: site.licence } };
    }
    if (!site.licence) {
      return {
        outcome: 'fail',
        messageId: 'unlicensed',
        data,
        evidence: `${site.id}: kind commercial, no licence`,
      };
    }
    const licence = { granted: site.licence.granted, expires: site.licence.expires ?? 'open-ended' };
    return {
      outcome: 'fail',
      messageId: 'licenceNotValid',
      data: { ...data, ...licence },
      evidence: `${site.id}: licence ${licence.granted} to ${licence.expires}, page seen ${day}`,
    };
  },
});
