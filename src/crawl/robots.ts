import { normalisePercentEncoding } from './url.ts';

/**
 * robots.txt after RFC 9309. Groups are chosen by product token: the groups naming ours
 * (case-insensitively) are combined and used alone; only when none names us do the `*` groups
 * apply. Within the chosen rules the longest matching path wins and Allow wins a tie. `*` matches
 * any run of characters and a final `$` anchors the end. Paths are compared after percent-encoding
 * is normalised on both sides (unreserved characters decoded, other escapes upper-cased, non-ASCII
 * encoded as UTF-8), so `/%7Euser` and `/~user` are one path. `Crawl-delay` is read as the
 * non-standard extension it is.
 */

export interface RobotsRule {
  allow: boolean;
  pattern: string;
  /** Length of the normalised pattern, in octets: the rule's priority. */
  length: number;
  regex: RegExp;
}

export interface RobotsGroup {
  agents: string[];
  rules: RobotsRule[];
  crawlDelaySeconds?: number;
}

export interface Robots {
  groups: RobotsGroup[];
  sitemaps: string[];
}

/** The rules for one crawler: what `isAllowed` and the scheduler use. */
export interface RobotsPolicy {
  /** `allow-all` (no robots.txt, 4xx), `rules`, or `disallow-all` (5xx, unreachable). */
  mode: 'allow-all' | 'rules' | 'disallow-all';
  rules: RobotsRule[];
  crawlDelaySeconds?: number;
  sitemaps: string[];
}

/** The RFC's minimum: at least 500 KiB of robots.txt are parsed; we read no more. */
export const ROBOTS_MAX_BYTES = 500 * 1024;

function encodePath(text: string): string {
  // Encode non-ASCII as UTF-8 escapes, leaving existing escapes and ASCII alone.
  const encoded = text.replace(/[^\x00-\x7f]+/gu, (run) => encodeURIComponent(run));
  return normalisePercentEncoding(encoded);
}

function compile(pattern: string): RegExp {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const source = body
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}${anchored ? '$' : ''}`, 's');
}

export function parseRobots(text: string): Robots {
  const groups: RobotsGroup[] = [];
  const sitemaps: string[] = [];
  let current: RobotsGroup | undefined;
  let lastWasAgent = false;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'user-agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    if (key === 'sitemap') {
      if (value) sitemaps.push(value);
      continue;
    }
    if (key === 'allow' || key === 'disallow') {
      lastWasAgent = false;
      // Rules before any user-agent line belong to no group.
      if (!current || value === '') continue;
      const pattern = encodePath(value.startsWith('/') || value.startsWith('*') ? value : `/${value}`);
      current.rules.push({
        allow: key === 'allow',
        pattern,
        length: Buffer.byteLength(pattern),
        regex: compile(pattern),
      });
      continue;
    }
    if (key === 'crawl-delay') {
      lastWasAgent = false;
      const seconds = Number(value);
      if (current && Number.isFinite(seconds) && seconds >= 0) current.crawlDelaySeconds = seconds;
      continue;
    }
    // Other lines (Host, Clean-param, …) end a run of user-agent lines but are otherwise ignored.
    lastWasAgent = false;
  }
  return { groups, sitemaps };
}

/** The product token of a User-Agent string: `syndicate/0.1 (…)` gives `syndicate`. */
export function productToken(userAgent: string): string {
  return (/^[A-Za-z_-]+/.exec(userAgent)?.[0] ?? userAgent).toLowerCase();
}

export function policyFor(robots: Robots, userAgent: string): RobotsPolicy {
  const token = productToken(userAgent);
  let chosen = robots.groups.filter((group) => group.agents.includes(token));
  if (chosen.length === 0) chosen = robots.groups.filter((group) => group.agents.includes('*'));
  const delays = chosen.map((group) => group.crawlDelaySeconds).filter((value) => value !== undefined);
  return {
    mode: 'rules',
    rules: chosen.flatMap((group) => group.rules),
    ...(delays.length ? { crawlDelaySeconds: Math.max(...delays) } : {}),
    sitemaps: robots.sitemaps,
  };
}

export const ALLOW_ALL: RobotsPolicy = { mode: 'allow-all', rules: [], sitemaps: [] };
export const DISALLOW_ALL: RobotsPolicy = { mode: 'disallow-all', rules: [], sitemaps: [] };

/** Whether the path and query of `url` may be fetched under `policy`. */
export function isAllowed(policy: RobotsPolicy, url: string | URL): boolean {
  if (policy.mode === 'allow-all') return true;
  if (policy.mode === 'disallow-all') return false;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const path = encodePath(`${parsed.pathname}${parsed.search}`);
  let best: RobotsRule | undefined;
  for (const rule of policy.rules) {
    if (!rule.regex.test(path)) continue;
    if (!best || rule.length > best.length || (rule.length === best.length && rule.allow && !best.allow)) {
      best = rule;
    }
  }
  // /robots.txt itself is always allowed.
  return best === undefined || best.allow || parsed.pathname === '/robots.txt';
}
