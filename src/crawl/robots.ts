import { normalisePercentEncoding } from '../net/url.ts';

/**
 * robots.txt after RFC 9309, written for hostile input: one pass over the lines, and a matcher
 * whose work is bounded by path × pattern whatever the pattern holds (a backtracking RegExp built
 * from `*` runs for minutes on `/*a*a*a…b`).
 *
 * Groups are chosen by product token: the groups naming ours (case-insensitively) are combined and
 * used alone; only when none names us do the `*` groups apply. A run of user-agent lines is ended
 * only by a rule (allow or disallow); Sitemap, Crawl-delay and lines we do not know sit between
 * them without splitting the group (§2.2.4). Within the chosen rules the longest matching pattern
 * wins and Allow wins a tie. `*` matches any run of characters and a final `$` anchors the end.
 * Paths are compared after percent-encoding is normalised on both sides (unreserved characters
 * decoded, other escapes upper-cased, non-ASCII encoded as UTF-8), so `/%7Euser` and `/~user` are
 * one path, as the RFC's table of examples has it.
 *
 * Where Google's parser goes beyond the RFC, the README's "robots.txt" section says what we do and
 * why; `test/crawl/robots-google.test.ts` holds each case.
 */

export interface RobotsRule {
  allow: boolean;
  /** The normalised pattern. */
  pattern: string;
  /** Length of the normalised pattern, in octets: the rule's priority. */
  length: number;
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

/**
 * robots.txt bytes as text: UTF-8 (RFC 9309 §2.3), cut at the size limit, with a byte order mark
 * dropped, whole or cut short (`EF BB` or `EF` alone, as careless editors leave it).
 */
export function decodeRobots(bytes: Uint8Array): string {
  let start = 0;
  if (bytes[0] === 0xef) {
    start = 1;
    if (bytes[1] === 0xbb) {
      start = 2;
      if (bytes[2] === 0xbf) start = 3;
    }
  }
  const end = Math.min(bytes.length, ROBOTS_MAX_BYTES);
  return new TextDecoder('utf-8').decode(bytes.subarray(start, Math.max(start, end)));
}

/** A path or pattern with non-ASCII encoded as UTF-8 escapes and existing escapes normalised. */
export function encodePath(text: string): string {
  // Through Buffer rather than encodeURIComponent, which throws on a lone surrogate.
  const encoded = text.replace(/[^\x00-\x7f]+/g, (run: string) =>
    Array.from(
      Buffer.from(run, 'utf8'),
      (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(''),
  );
  return normalisePercentEncoding(encoded);
}

/**
 * Whether `pattern` (`*` any run, a final `$` the end) matches the start of `path`. The pattern is
 * cut at its stars into literal pieces; the first must start the path, each later one is taken at
 * its leftmost place after the one before (leftmost is never worse: it leaves the most path for
 * what follows), and an anchored last piece must end the path. Each piece is looked for once, so
 * the work is at most path × pattern, whatever the pattern.
 */
export function patternMatches(pattern: string, path: string): boolean {
  const anchored = pattern.endsWith('$');
  const pieces = (anchored ? pattern.slice(0, -1) : pattern).split('*');
  const first = pieces[0]!;
  if (!path.startsWith(first)) return false;
  if (pieces.length === 1) return !anchored || path.length === first.length;
  let position = first.length;
  const last = pieces.length - 1;
  for (let index = 1; index < last; index++) {
    const piece = pieces[index]!;
    if (piece === '') continue;
    const found = path.indexOf(piece, position);
    if (found < 0) return false;
    position = found + piece.length;
  }
  const tail = pieces[last]!;
  if (!anchored) return tail === '' || path.indexOf(tail, position) >= 0;
  return path.length - tail.length >= position && path.endsWith(tail);
}

/** Space and tab only: `String.prototype.trim` would also eat a byte order mark mid-file. */
function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

/**
 * A line's key and value. `key: value` as the RFC writes it; like Google's parser we also take
 * `key value` (a forgotten colon) when the line holds exactly two words, since what the site meant
 * by `Disallow /private` is plain and a polite crawler honours it.
 */
function splitLine(line: string): { key: string; value: string } | undefined {
  const colon = line.indexOf(':');
  if (colon >= 0) {
    const key = trimBlanks(line.slice(0, colon));
    return key ? { key: key.toLowerCase(), value: trimBlanks(line.slice(colon + 1)) } : undefined;
  }
  const words = line.split(/[ \t]+/);
  if (words.length !== 2) return undefined;
  return { key: words[0]!.toLowerCase(), value: words[1]! };
}

/** The product token a user-agent line names: letters, `-` and `_` up to anything else. */
function agentOf(value: string): string {
  // `* anything` is still the global group, as Google reads it.
  if (value === '*' || /^\*[ \t]/.test(value)) return '*';
  return productToken(value);
}

export function parseRobots(text: string): Robots {
  const groups: RobotsGroup[] = [];
  const sitemaps: string[] = [];
  let current: RobotsGroup | undefined;
  // Whether the current group has had a rule: the next user-agent line then opens a new group.
  let ruled = true;
  let start = 0;
  while (start <= text.length) {
    // Lines end at CR LF, CR or LF (§2.2); found by hand so that a 500 KiB file is read once.
    let end = start;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    const rawLine = text.slice(start, end);
    start = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
    const hash = rawLine.indexOf('#');
    const line = trimBlanks(hash >= 0 ? rawLine.slice(0, hash) : rawLine);
    if (line === '') continue;
    const parts = splitLine(line);
    if (!parts) continue;
    const { key, value } = parts;
    if (key === 'user-agent') {
      if (!current || ruled) {
        current = { agents: [], rules: [] };
        groups.push(current);
        ruled = false;
      }
      const agent = agentOf(value);
      if (agent) current.agents.push(agent);
    } else if (key === 'allow' || key === 'disallow') {
      // Rules before any user-agent line belong to no group.
      if (!current) continue;
      ruled = true;
      if (value === '') continue;
      const pattern = encodePath(value.startsWith('/') || value.startsWith('*') ? value : `/${value}`);
      current.rules.push({ allow: key === 'allow', pattern, length: Buffer.byteLength(pattern) });
    } else if (key === 'sitemap') {
      if (value) sitemaps.push(value);
    } else if (key === 'crawl-delay') {
      const seconds = Number(value);
      if (current && value !== '' && Number.isFinite(seconds) && seconds >= 0) {
        current.crawlDelaySeconds = Math.max(current.crawlDelaySeconds ?? 0, seconds);
      }
    }
    // Any other line (Host, Clean-param, Content-Signal, …) is ignored and leaves groups as they are.
  }
  return { groups, sitemaps };
}

/** The product token of a User-Agent string: `syndicate/0.1 (…)` gives `syndicate`. */
export function productToken(userAgent: string): string {
  return (/^[A-Za-z_-]*/.exec(userAgent)?.[0] ?? '').toLowerCase();
}

/** Whether `name` is a product token as RFC 9309 §2.2.1 defines it: `[a-zA-Z_-]+`. */
export function isProductToken(name: string): boolean {
  return /^[A-Za-z_-]+$/.test(name);
}

export function policyFor(robots: Robots, userAgent: string): RobotsPolicy {
  const token = productToken(userAgent);
  let chosen = token ? robots.groups.filter((group) => group.agents.includes(token)) : [];
  if (chosen.length === 0) chosen = robots.groups.filter((group) => group.agents.includes('*'));
  const delays = chosen.map((group) => group.crawlDelaySeconds).filter((value) => value !== undefined);
  // Each rule once, in the order they win (longest first, Allow before Disallow of the same
  // length): the first that matches a path decides it, and a file of repeated rules costs one.
  const unique = new Map<string, RobotsRule>();
  for (const rule of chosen.flatMap((group) => group.rules)) unique.set(`${rule.allow}${rule.pattern}`, rule);
  const rules = [...unique.values()].sort(
    (left, right) => right.length - left.length || Number(right.allow) - Number(left.allow),
  );
  return {
    mode: 'rules',
    rules,
    ...(delays.length ? { crawlDelaySeconds: Math.max(...delays) } : {}),
    sitemaps: robots.sitemaps,
  };
}

export const ALLOW_ALL: RobotsPolicy = { mode: 'allow-all', rules: [], sitemaps: [] };
export const DISALLOW_ALL: RobotsPolicy = { mode: 'disallow-all', rules: [], sitemaps: [] };

/**
 * The policy a robots.txt answer gives (RFC 9309 §2.3.1): its rules on 2xx, nothing on the host
 * on a server error, no rules for anything else (a 404 is no robots.txt). An unreachable
 * robots.txt is DISALLOW_ALL too, decided by the caller that saw the failure.
 */
export function robotsPolicyOf(status: number, bytes: Uint8Array, userAgent: string): RobotsPolicy {
  if (status >= 200 && status < 300) return policyFor(parseRobots(decodeRobots(bytes)), userAgent);
  return status >= 500 ? DISALLOW_ALL : ALLOW_ALL;
}

/** The path and query of `url`, normalised as patterns are: what the rules are matched against. */
export function pathToMatch(url: string | URL): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return encodePath(`${parsed.pathname}${parsed.search}`);
}

/** Whether the path and query of `url` may be fetched under `policy`. */
export function isAllowed(policy: RobotsPolicy, url: string | URL): boolean {
  if (policy.mode === 'allow-all') return true;
  if (policy.mode === 'disallow-all') return false;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  // /robots.txt itself is always allowed.
  if (parsed.pathname === '/robots.txt') return true;
  const path = pathToMatch(parsed);
  // policyFor sorts the rules in the order they win, so the first match decides.
  for (const rule of policy.rules) {
    if (patternMatches(rule.pattern, path)) return rule.allow;
  }
  return true;
}
