import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseCookies } from './http.ts';

export const SESSION_COOKIE = 'syndicate_session';
const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export interface Session {
  id: string;
  /** The form token of this session (double-checked against the hidden field). */
  csrf: string;
  /** Whether this session proved it knows the server token. */
  authenticated: boolean;
  created: number;
  who?: string;
}

/** Sessions in memory: a restart logs everyone out, which is fine for a review tool. */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    token: string | undefined,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokenDigest = token === undefined ? undefined : digest(token);
  }

  get tokenRequired(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** Whether `candidate` is the server token, in constant time. */
  tokenMatches(candidate: string | undefined | null): boolean {
    if (this.tokenDigest === undefined || typeof candidate !== 'string') return false;
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  /** Whether the request carries `Authorization: Bearer <token>`. */
  bearer(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && this.tokenMatches(match[1]);
  }

  fromRequest(request: IncomingMessage): Session | undefined {
    const id = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.clock() - session.created > SESSION_LIFETIME_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  create(authenticated: boolean): Session {
    if (this.sessions.size >= MAX_SESSIONS) {
      // Drop the oldest: Map iterates in insertion order.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      authenticated,
      created: this.clock(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  cookie(session: Session, secure: boolean): string {
    return `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_LIFETIME_MS / 1000}${
      secure ? '; Secure' : ''
    }`;
  }
}

export function csrfMatches(session: Session, candidate: string | null): boolean {
  if (typeof candidate !== 'string') return false;
  return timingSafeEqual(digest(candidate), digest(session.csrf));
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

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
