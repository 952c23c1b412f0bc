import { join } from 'node:path';
import { z } from 'zod';
import { absoluteUrl } from './absolute-url.ts';
import { loadYamlFile } from './yaml.ts';

/**
 * `rules/sites.yaml`: the republishers to scan, and how the crawler behaves towards them.
 * Shared by the crawler (discovery, politeness) and the checks (site kind and licence).
 */

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-01-31')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'is not a real date');

const licenceSchema = z
  .strictObject({
    granted: day.describe('first day the licence is valid'),
    expires: day.optional().describe('last day the licence is valid; open-ended when absent'),
    reference: z.string().optional().describe('contract or letter number, for the records'),
  })
  .refine((licence) => licence.expires === undefined || licence.expires >= licence.granted, {
    message: 'expires before it is granted',
    path: ['expires'],
  });

const discoverSchema = z.strictObject({
  sitemaps: z
    .array(absoluteUrl)
    .optional()
    .describe('sitemaps; default: robots.txt Sitemap lines, then /sitemap.xml'),
  feeds: z.array(absoluteUrl).optional().describe("the site's own RSS/Atom feeds"),
  start: z.array(absoluteUrl).optional().describe('pages to start following same-site links from'),
  maxDepth: z.number().int().min(0).default(2).describe('link hops from a start page'),
  maxPages: z.number().int().min(1).default(500).describe('pages fetched per crawl of this site'),
  include: z.array(z.string()).optional().describe('regular expressions; only matching URLs are kept'),
  exclude: z.array(z.string()).optional().describe('regular expressions; matching URLs are skipped'),
});

const siteSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  name: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe('the name people know the site by; reports and letters use it (default: its host)'),
  url: absoluteUrl,
  kind: z.enum(['community', 'commercial']),
  contact: z.string().optional().describe('where notices go: an e-mail address or a contact page'),
  discover: discoverSchema.prefault({}),
  licence: licenceSchema.optional(),
});

export const crawlerSchema = z.strictObject({
  userAgent: z.string().min(1).default('syndicate/0.1 (reprint-terms checker)'),
  contact: absoluteUrl.optional().describe('a URL where site owners can reach you; added to the User-Agent'),
  delayMs: z.number().int().min(0).default(1000).describe('pause between two requests to one host'),
  perHost: z.number().int().min(1).default(1).describe('requests in flight to one host'),
  concurrency: z.number().int().min(1).default(8).describe('requests in flight in all'),
  headersTimeoutMs: z.number().int().min(1).default(30_000),
  bodyTimeoutMs: z.number().int().min(1).default(60_000),
  maxBodyBytes: z
    .number()
    .int()
    .min(1)
    .default(10 * 1024 * 1024),
  maxRedirects: z.number().int().min(0).default(5),
  retries: z.number().int().min(1).default(3).describe('tries for a transient failure'),
  retryDelayMs: z
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe('first backoff before a retry; doubles each time, with jitter'),
  maxRetryAfterMs: z.number().int().min(0).default(300_000),
  maxCrawlDelayMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('the most a robots.txt Crawl-delay may make us wait between two requests'),
  maxSitemapsPerSite: z
    .number()
    .int()
    .min(1)
    .default(50)
    .describe('sitemaps fetched per site in one crawl, index files included'),
  maxSitemapDepth: z
    .number()
    .int()
    .min(0)
    .default(2)
    .describe('how deep sitemap indexes may nest below the first sitemap (0: no index followed)'),
  maxLinksPerPage: z.number().int().min(1).default(1000).describe('new same-site links taken from one page'),
  hostLeaseMs: z
    .number()
    .int()
    .min(1000)
    .default(30_000)
    .describe(
      'with a PostgreSQL store: how long a request in flight holds its host for every process unless its process renews it (every third of that); how long a process that died mid-request keeps the host',
    ),
  siteTimeBudgetMs: z
    .number()
    .int()
    .min(1)
    .default(3_600_000)
    .describe('wall-clock time one site may take in one crawl; the rest waits for the next crawl'),
  allowPrivateNetworks: z
    .union([
      z.boolean(),
      z.array(
        z.string().regex(/^[0-9a-f.:]+(\/\d{1,3})?$/i, 'must be a network such as 10.0.0.0/8 or an address'),
      ),
    ])
    .default(false)
    .describe('true allows every private address; a list allows only those networks'),
  resolve: z
    .record(z.string(), z.string().regex(/^[^:]+:\d+$|^\[[0-9a-f:]+\]:\d+$/i, 'must be ADDRESS:PORT'))
    .optional()
    .describe('host name to ADDRESS:PORT, as curl --resolve does; for demos and tests'),
});

export const sitesFileSchema = z
  .strictObject({
    // `prefault` runs the defaults of each field through the schema, so they are written only there.
    crawler: crawlerSchema.prefault({}),
    sites: z.array(siteSchema),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.sites.forEach((site, index) => {
      if (seen.has(site.id)) {
        context.addIssue({
          code: 'custom',
          message: `duplicate site id ${site.id}`,
          path: ['sites', index, 'id'],
        });
      }
      seen.add(site.id);
    });
  });

export type Licence = z.output<typeof licenceSchema>;
export type Site = z.output<typeof siteSchema>;
export type CrawlerConfig = z.output<typeof crawlerSchema>;
export type SitesFile = z.output<typeof sitesFileSchema>;

export const SITES_FILE = 'sites.yaml';

export function loadSites(rulesDir: string): SitesFile {
  return loadYamlFile(join(rulesDir, SITES_FILE), sitesFileSchema);
}

/** Whether the site holds a licence valid on `day` (ISO date or date-time). */
export function licensedOn(site: Site, day: string): boolean {
  const date = day.slice(0, 10);
  const licence = site.licence;
  return (
    licence !== undefined &&
    licence.granted <= date &&
    (licence.expires === undefined || date <= licence.expires)
  );
}
