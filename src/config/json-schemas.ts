import type { z } from 'zod';
import { alertsFileSchema } from './alerts.ts';
import { feedDefinitionSchema, publisherSchema } from './feeds.ts';
import { sitesFileSchema } from './sites.ts';
import { termsFileSchema } from './terms.ts';

/**
 * The JSON Schema files that editors use to check configuration as it is typed (a
 * `# yaml-language-server: $schema=…` line at the top of each file). Generated from the zod
 * schemas by `npm run schemas`; a test fails when a committed file is out of date.
 */
export const jsonSchemas: Array<{ file: string; title: string; schema: z.ZodType }> = [
  {
    file: 'rules/sites.schema.json',
    title: 'syndicate site registry (rules/sites.yaml)',
    schema: sitesFileSchema,
  },
  {
    file: 'rules/alerts.schema.json',
    title: 'syndicate alerts (rules/alerts.yaml)',
    schema: alertsFileSchema,
  },
  {
    file: 'rules/terms.schema.json',
    title: 'syndicate reprint terms (rules/terms.yaml)',
    schema: termsFileSchema,
  },
  {
    file: 'feeds/feed.schema.json',
    title: 'syndicate feed definition (feeds/*.yaml)',
    schema: feedDefinitionSchema,
  },
  {
    file: 'feeds/publisher.schema.json',
    title: 'syndicate publisher identity and attribution (feeds/publisher.yaml)',
    schema: publisherSchema,
  },
];
