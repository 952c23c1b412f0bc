import { describe, expect, it } from 'vitest';
import { sitesFileSchema } from '../../src/config/sites.ts';
import { Admission } from '../../src/crawl/admission.ts';
import type { NewItem } from '../../src/crawl/queue.ts';

const site = sitesFileSchema.parse({
  sites: [
    {
      id: 'blog',
      url: 'https://blog.example/',
      kind: 'community',
      discover: { maxPages: 3, exclude: ['/private/'] },
    },
  ],
}).sites[0]!;
const limits = { maxSitemapsPerSite: 2, maxSitemapDepth: 1 };
const page = (url: string): NewItem => ({ siteId: 'blog', url, kind: 'page', source: 'link' });
const sitemap = (url: string): NewItem => ({ siteId: 'blog', url, kind: 'sitemap', source: 'sitemap' });
const nothingKnown = { pages: [], sitemaps: [], landedOn: [] };

describe('URL admission', () => {
  it('admits same-site pages once, through the filters, and counts the www twin as the same page', () => {
    const admission = new Admission([site], limits, nothingKnown);
    const admitted = admission.admitPages(
      site,
      [
        'https://blog.example/a',
        'https://www.blog.example/a',
        'https://elsewhere.example/b',
        'https://blog.example/private/c',
        'https://blog.example/d',
      ],
      page,
    );
    expect(admitted.map((item) => item.url)).toEqual(['https://blog.example/a', 'https://blog.example/d']);
    expect(admission.admitPages(site, ['https://blog.example/a'], page)).toEqual([]);
    expect(admission.pagesLeft(site)).toBe(1);
    expect(admission.overBudget).toEqual({});
  });

  it('stops at maxPages and remembers that the page budget stopped the site', () => {
    const admission = new Admission([site], limits, nothingKnown);
    const urls = ['a', 'b', 'c', 'd', 'e'].map((name) => `https://blog.example/${name}`);
    expect(admission.admitPages(site, urls, page)).toHaveLength(3);
    expect(admission.pagesLeft(site)).toBe(0);
    expect(admission.overBudget).toEqual({ blog: 'pages' });
  });

  it('starts a resumed pass from what the store knows, redirect landings included', () => {
    const admission = new Admission([site], limits, {
      pages: [{ siteId: 'blog', url: 'https://blog.example/a' }],
      sitemaps: [{ siteId: 'blog', url: 'https://blog.example/sitemap.xml' }],
      landedOn: ['https://www.blog.example/landed'],
    });
    expect(admission.admissible(site, 'https://blog.example/a')).toBe(false);
    expect(admission.admissible(site, 'https://blog.example/landed')).toBe(false);
    expect(admission.admissible(site, 'https://blog.example/new')).toBe(true);
    expect(admission.pagesLeft(site)).toBe(2);
    expect(admission.sitemapAdmissible(site, 'https://blog.example/sitemap.xml')).toBe(false);
    expect(admission.sitemapsLeft(site, 0)).toBe(1);
  });

  it('holds sitemaps to the per-site count and the nesting depth', () => {
    const admission = new Admission([site], limits, nothingKnown);
    expect(admission.admitSitemaps(site, ['https://blog.example/deep.xml'], 2, sitemap)).toEqual([]);
    expect(admission.overBudget).toEqual({ blog: 'sitemaps' });
    const admitted = admission.admitSitemaps(
      site,
      ['https://blog.example/1.xml', 'https://blog.example/2.xml', 'https://blog.example/3.xml'],
      1,
      sitemap,
    );
    expect(admitted.map((item) => [item.url, item.depth])).toEqual([
      ['https://blog.example/1.xml', 1],
      ['https://blog.example/2.xml', 1],
    ]);
    expect(admission.sitemapsLeft(site, 0)).toBe(0);
  });

  it('takes a sitemap named in sites.yaml from another host, but never a found one', () => {
    const admission = new Admission([site], limits, nothingKnown);
    const cdn = 'https://cdn.example/blog-sitemap.xml';
    expect(admission.admitSitemaps(site, [cdn], 0, sitemap)).toEqual([]);
    expect(admission.admitSitemaps(site, [cdn], 0, sitemap, true).map((item) => item.url)).toEqual([cdn]);
  });
});
