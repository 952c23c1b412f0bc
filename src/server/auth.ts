import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parseCookies } from './http.ts';

/**
 * Who may use the review pages, without any state per visitor on the server.
 *
 * A session is a cookie the server signed with a secret of its own (an HMAC): checking it needs no
 * table, so no number of strangers' requests can push a reviewer's session out of one. The form
 * token (CSRF) is an HMAC of the session's nonce under the same secret, so it fits one session
 * only and needs no storage either. The secret is made afresh when the server starts: a restart
 * logs everyone out, which is fine for a review tool.
 */

export const SESSION_COOKIE = 'syndicate_session';
export const WHO_COOKIE = 'syndicate_who';
/** Browsers keep a `__Host-` cookie only when it is Secure, has Path=/ and no Domain: no subdomain can set it. */
const SECURE_PREFIX = '__Host-';
const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
const MAX_WHO = 200;

export interface Session {
  /** Random, 128 bits: what the form token is derived from. */
  nonce: string;
  /** Whether this session proved it knows the server token. */
  authenticated: boolean;
  issuedMs: number;
}

export interface GuardOptions {
  token?: string;
  /** Believe `X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-For` (a proxy in front of us sets them). */
  trustProxy?: boolean;
  /** The signing secret; random when not given (tests pass one to get stable answers). */
  secret?: Buffer;
  clock?: () => number;
}

export class Guard {
  private readonly tokenDigest: Buffer | undefined;
  private readonly secret: Buffer;
  private readonly clock: () => number;
  readonly trustProxy: boolean;
  readonly attempts: FailedAttempts;

  constructor(options: GuardOptions = {}) {
    this.tokenDigest = options.token === undefined ? undefined : digest(options.token);
    this.secret = options.secret ?? randomBytes(32);
    this.clock = options.clock ?? Date.now;
    this.trustProxy = options.trustProxy ?? false;
    this.attempts = new FailedAttempts(this.clock);
  }

  get tokenRequired(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** Whether `candidate` is the server token, in constant time. */
  tokenMatches(candidate: string | undefined | null): boolean {
    if (this.tokenDigest === undefined || typeof candidate !== 'string') return false;
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  /** The token offered in `Authorization: Bearer …`, if any (right or wrong). */
  bearerOffered(request: IncomingMessage): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    return match?.[1];
  }

  /** Whether the request reached us over TLS: on our own socket, or as a trusted proxy says. */
  isSecure(request: IncomingMessage): boolean {
    if ((request.socket as TLSSocket).encrypted === true) return true;
    if (!this.trustProxy) return false;
    const proto = lastListValue(request.headers['x-forwarded-proto']);
    if (proto !== undefined) return proto.toLowerCase() === 'https';
    const forwarded = lastListValue(request.headers.forwarded);
    return forwarded !== undefined && /(?:^|;)\s*proto="?https"?\s*(?:;|$)/i.test(forwarded);
  }

  /** The host name the visitor asked for: the trusted proxy's `X-Forwarded-Host`, else `Host`. */
  visibleHost(request: IncomingMessage): string {
    const forwarded = this.trustProxy ? lastListValue(request.headers['x-forwarded-host']) : undefined;
    return (forwarded ?? request.headers.host ?? '').toLowerCase();
  }

  /** Who is knocking, for the failed-attempt delay: the trusted proxy's last `X-Forwarded-For`. */
  clientAddress(request: IncomingMessage): string {
    const forwarded = this.trustProxy ? lastListValue(request.headers['x-forwarded-for']) : undefined;
    return forwarded ?? request.socket.remoteAddress ?? 'unknown';
  }

  cookieName(name: string, secure: boolean): string {
    return secure ? `${SECURE_PREFIX}${name}` : name;
  }

  /** The session of a request whose signed cookie is valid and not expired. */
  session(request: IncomingMessage): Session | undefined {
    const cookies = parseCookies(request.headers.cookie);
    const value = cookies.get(this.cookieName(SESSION_COOKIE, this.isSecure(request)));
    if (!value) return undefined;
    const [issued, flags, nonce, mac, ...rest] = value.split('.');
    if (rest.length > 0 || !issued || !flags || !nonce || !mac) return undefined;
    if (!macMatches(this.sign(`session.${issued}.${flags}.${nonce}`), mac)) return undefined;
    const issuedMs = Number.parseInt(issued, 36);
    const age = this.clock() - issuedMs;
    if (!Number.isFinite(issuedMs) || age < 0 || age > SESSION_LIFETIME_MS) return undefined;
    return { nonce, authenticated: flags === 'a', issuedMs };
  }

  issue(authenticated: boolean): Session {
    return { nonce: randomBytes(16).toString('base64url'), authenticated, issuedMs: this.clock() };
  }

  sessionCookie(session: Session, secure: boolean): string {
    const issued = session.issuedMs.toString(36);
    const flags = session.authenticated ? 'a' : 'v';
    const mac = this.sign(`session.${issued}.${flags}.${session.nonce}`);
    return cookieHeader(
      this.cookieName(SESSION_COOKIE, secure),
      `${issued}.${flags}.${session.nonce}.${mac}`,
      secure,
    );
  }

  /** The reviewer's name, remembered between forms; not a secret, but only our pages may read it. */
  whoOf(request: IncomingMessage): string {
    const value = parseCookies(request.headers.cookie).get(
      this.cookieName(WHO_COOKIE, this.isSecure(request)),
    );
    if (!value) return '';
    try {
      return decodeURIComponent(value).slice(0, MAX_WHO);
    } catch {
      return '';
    }
  }

  whoCookie(who: string, secure: boolean): string {
    return cookieHeader(
      this.cookieName(WHO_COOKIE, secure),
      encodeURIComponent(who.slice(0, MAX_WHO)),
      secure,
    );
  }

  /** The form token of a session. */
  csrfOf(session: Session): string {
    return this.sign(`csrf.${session.nonce}`);
  }

  csrfMatches(session: Session, candidate: string | null | undefined): boolean {
    return typeof candidate === 'string' && macMatches(this.csrfOf(session), candidate);
  }

  private sign(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64url');
  }
}

/**
 * A growing wait after wrong tokens, per client address: after the n-th failure in a row, further
 * tries from that address are refused for 2^(n-1) seconds (at most a minute). A right token clears
 * it. The table is bounded: past `maxAddresses` the oldest entry goes (an attacker with that many
 * addresses still faces 128-bit tokens).
 */
export class FailedAttempts {
  private readonly failures = new Map<string, { count: number; untilMs: number }>();

  constructor(
    private readonly clock: () => number,
    private readonly maxAddresses = 10_000,
    private readonly maxDelayMs = 60_000,
  ) {}

  /** Milliseconds this address must still wait before its next try; 0 when it may try now. */
  waitMs(address: string): number {
    const entry = this.failures.get(address);
    return entry ? Math.max(0, entry.untilMs - this.clock()) : 0;
  }

  fail(address: string): number {
    const entry = this.failures.get(address) ?? { count: 0, untilMs: 0 };
    this.failures.delete(address);
    entry.count++;
    const delayMs = Math.min(this.maxDelayMs, 1000 * 2 ** Math.min(entry.count - 1, 16));
    entry.untilMs = this.clock() + delayMs;
    if (this.failures.size >= this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(address, entry);
    return delayMs;
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}

/**
 * Whether a state-changing request comes from our own pages: browsers send `Origin` and
 * `Sec-Fetch-Site` on form posts; when they are there they must say same origin.
 */
export function sameOrigin(request: IncomingMessage, ownOrigins: readonly string[]): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin !== undefined && !ownOrigins.includes(origin.toLowerCase())) return false;
  return true;
}

function cookieHeader(name: string, value: string, secure: boolean): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_LIFETIME_MS / 1000}${
    secure ? '; Secure' : ''
  }`;
}

/** The last entry of a comma-separated header: the one our own proxy added. */
function lastListValue(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  if (!joined) return undefined;
  const last = joined.split(',').at(-1)?.trim();
  return last || undefined;
}

function macMatches(expected: string, candidate: string): boolean {
  return timingSafeEqual(digest(expected), digest(candidate));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
