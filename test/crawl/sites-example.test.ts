import { describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { selectSites } from '../../src/crawl/settings.ts';
import { demoSites } from '../../src/demo/network.ts';

describe('rules/sites.yaml, the example registry', () => {
  it('is valid and names community, commercial and licensed sites on reserved domains', () => {
    const config = loadSites('rules');
    expect(config.crawler.allowPrivateNetworks).toBe(false);
    expect(config.crawler.delayMs).toBe(1000);
    expect(new Set(config.sites.map((site) => site.kind))).toEqual(new Set(['community', 'commercial']));
    expect(config.sites.some((site) => site.licence)).toBe(true);
    for (const site of config.sites) expect(new URL(site.url).hostname).toMatch(/\.example$/);
    // The registry is the demo's: each example site of src/demo/network.ts is registered, and only those.
    expect(config.sites.map((site) => site.id).sort()).toEqual(demoSites.map((site) => site.id).sort());
    expect(selectSites(config, ['meridian-media']).map((site) => site.id)).toEqual(['meridian-media']);
  });
});
