import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Site } from '../config/sites.ts';
import { licensedOn } from '../config/sites.ts';
import { configError, SyndicateError } from '../errors.ts';
import {
  addNote,
  auditLog,
  countByStatus,
  countFindings,
  type Finding,
  findingFacets,
  getFinding,
  isReviewStatus,
  listFindings,
  listScans,
  type Scan,
  type ScanSiteTrend,
  scanTrend,
  setStatus,
  setStatuses,
  siteFactsOf,
} from '../findings/index.ts';
import { logger } from '../log.ts';
import { discoveriesPageOf } from '../report/discoveries.ts';
import { builtInNotices, type NoticeSet, type NoticeTemplate, renderNotice } from '../report/index.ts';
import type { Sql } from '../store/sql.ts';
import { REVIEW_CSS, REVIEW_SCRIPT } from './assets.ts';
import { Guard, type Session, sameOrigin } from './auth.ts';
import { discoveriesPage, discoveriesWhere } from './discoveries.ts';
import { type EvidenceSource, noEvidence } from './evidence.ts';
import { FeedFiles } from './feeds.ts';
import { HttpError, readForm, redirect, send, sendHtml } from './http.ts';
import { filterOf, type ListQuery, listQueryString, parseListQuery } from './list-query.ts';
import { dashboardPage, findingPage, homePage, listPage, messagePage } from './pages.ts';
import { checkBindPolicy, isLoopback } from './policy.ts';
import { latestSnapshot, reprintView } from './reprint.ts';
import { siteProblems } from './unreachable.ts';

export interface ServeOptions {
  /** The store (either engine); the server never closes it. */
  sql: Sql;
  /** The folder `syndicate build` writes feeds into. */
  outDir: string;
  host?: string;
  port?: number;
  token?: string;
  sites?: readonly Site[];
  /** The letter the finding page drafts; the built-in one when absent. */
  /** The letters (by kind and language) or a single template; the built-in letters when absent. */
  notice?: NoticeSet | NoticeTemplate;
  publisher?: string;
  /** Believe the `X-Forwarded-*` headers of a proxy in front (TLS ends there). */
  trustProxy?: boolean;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** Connections open at once; more are closed as they come. */
  maxConnections?: number;
  /** Time for a client to send its request headers. */
  headersTimeoutMs?: number;
  /** Time for a whole request, body included. */
  requestTimeoutMs?: number;
  /** Where the evidence of a finding is (screenshots, WARC, manifest). */
  evidence?: EvidenceSource;
  /** The signing secret of sessions and form tokens; random when not given. */
  secret?: Buffer;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export const SERVER_LIMITS = {
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
} as const;

/**
 * The feeds and the review pages over HTTP (or HTTPS). A token, when set, is demanded on every
 * request (a signed session cookie after `?token=`, or `Authorization: Bearer`); forms carry a
 * form token derived from the session and must come from our own origin.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  checkBindPolicy(host, options.token);
  const guard = new Guard({
    token: options.token,
    trustProxy: options.trustProxy,
    secret: options.secret,
  });
  const feeds = new FeedFiles(options.outDir);
  const evidence = options.evidence ?? noEvidence;
  const notice = options.notice ?? builtInNotices();
  const sql = options.sql;
  let port = options.port ?? 8080;
  const headersTimeout = options.headersTimeoutMs ?? SERVER_LIMITS.headersTimeoutMs;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? SERVER_LIMITS.requestTimeoutMs, headersTimeout);
  const serverOptions = {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    // Node looks for connections past their time at this interval (30 s by default): a slow
    // client would otherwise hold its connection for up to that long after its time is up.
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  };
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendHtml(
          request,
          response,
          error.status,
          messagePage(`Error ${error.status}`, error.message),
          error.headers,
        );
        return;
      }
      if (error instanceof SyndicateError && error.code === 'usage') {
        sendHtml(request, response, 400, messagePage('Bad request', error.message));
        return;
      }
      logger().error({ err: error, url: request.url }, 'serve: request failed');
      if (!response.headersSent) sendHtml(request, response, 500, messagePage('Error', 'internal error'));
      else response.destroy();
    });
  };
  const server: Server = options.tls
    ? (createTlsServer({ ...serverOptions, ...readTls(options.tls) }, listener) as unknown as Server)
    : createServer(serverOptions, listener);
  server.maxConnections = options.maxConnections ?? SERVER_LIMITS.maxConnections;

  /** Host names this server answers to; others are refused (DNS rebinding) unless a token guards it. */
  const allowedHost = (hostHeader: string | undefined): boolean => {
    if (guard.tokenRequired) return true;
    if (!hostHeader) return false;
    const name = hostHeader.replace(/:\d+$/, '');
    return isLoopback(name) && (hostHeader.endsWith(`:${port}`) || !/:\d+$/.test(hostHeader));
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    // RFC 9112 §3.2: a request with more than one Host field is answered 400.
    if (countHeader(request, 'host') > 1) throw new HttpError(400, 'more than one Host header');
    if (!allowedHost(request.headers.host)) throw new HttpError(421, 'unknown host name');
    const url = new URL(request.url ?? '/', 'http://server.invalid');
    const secure = guard.isSecure(request);
    const client = guard.clientAddress(request);

    // Login by link: ?token=… on a GET sets the session cookie and drops the token from the URL.
    let session = guard.session(request);
    // Without a token to check (loopback), a token offered is no credential and no mistake either.
    const offered = guard.tokenRequired ? url.searchParams.get('token') : null;
    const bearer = guard.tokenRequired ? guard.bearerOffered(request) : undefined;
    if ((offered !== null && method === 'GET') || bearer !== undefined) {
      const waitMs = guard.attempts.waitMs(client);
      if (waitMs > 0) {
        throw new HttpError(429, 'too many wrong tokens: wait and try again', {
          'retry-after': String(Math.ceil(waitMs / 1000)),
        });
      }
      if (!guard.tokenMatches(offered ?? bearer)) {
        guard.attempts.fail(client);
        throw new HttpError(401, 'wrong token', { 'www-authenticate': 'Bearer' });
      }
      guard.attempts.succeed(client);
    }
    if (offered !== null && method === 'GET') {
      session = guard.issue(true);
      url.searchParams.delete('token');
      // Only ever a path on this server: never `//other.example`.
      const location = `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
      redirect(response, location, { 'set-cookie': guard.sessionCookie(session, secure) });
      return;
    }
    const authenticated = !guard.tokenRequired || bearer !== undefined || session?.authenticated === true;
    if (!authenticated) {
      throw new HttpError(
        401,
        'this server needs its token: open it with ?token=… or send Authorization: Bearer',
        { 'www-authenticate': 'Bearer' },
      );
    }
    /** The session of a page with forms; a new one (a signed cookie, nothing kept here) when absent. */
    const pageSession = (): Session => {
      if (session) return session;
      session = guard.issue(true);
      response.setHeader('set-cookie', guard.sessionCookie(session, secure));
      return session;
    };

    const path = url.pathname;
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/') return sendHtml(request, response, 200, homePage(await feeds.list()));
      // Browsers ask for it on every page; an empty answer keeps their consoles quiet.
      if (path === '/favicon.ico')
        return send(request, response, 204, '', { 'cache-control': 'max-age=86400' });
      if (path === '/review/style.css') {
        return send(request, response, 200, REVIEW_CSS, {
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'no-cache',
        });
      }
      if (path === '/review/app.js') {
        return send(request, response, 200, REVIEW_SCRIPT, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-cache',
        });
      }
      if (path === '/review') {
        const current = pageSession();
        return await reviewList(request, response, url, current, guard.whoOf(request));
      }
      if (path === '/review/dashboard') return await dashboard(request, response);
      if (path === '/review/discoveries') {
        // Pages found in web archives by `discover`: the report's section, a page at a time.
        const view = await discoveriesPageOf(sql, options.sites ?? [], discoveriesWhere(url.searchParams));
        return sendHtml(request, response, 200, discoveriesPage(view));
      }
      const findingMatch = /^\/review\/finding\/(\d{1,12})$/.exec(path);
      if (findingMatch) {
        const current = pageSession();
        return await reviewFinding(
          request,
          response,
          Number(findingMatch[1]),
          url,
          current,
          guard.whoOf(request),
        );
      }
      const snapshotMatch = /^\/review\/finding\/(\d{1,12})\/snapshot$/.exec(path);
      if (snapshotMatch) return await storedHtml(request, response, Number(snapshotMatch[1]));
      const evidenceMatch = /^\/review\/finding\/(\d{1,12})\/evidence\/([A-Za-z0-9._-]{1,100})$/.exec(path);
      if (evidenceMatch) {
        const finding = await findingOrThrow(Number(evidenceMatch[1]));
        const file = await evidence.file(finding, evidenceMatch[2]!);
        if (!file) throw new HttpError(404, 'no such evidence file');
        return send(request, response, 200, file.body, {
          'content-type': file.contentType,
          'content-disposition': `${file.contentType.startsWith('image/') ? 'inline' : 'attachment'}; filename="${(
            file.fileName ?? evidenceMatch[2]!
          ).replace(/[^A-Za-z0-9._-]/g, '_')}"`,
          // A captured page is never a document of ours: no script, no plugins, its own origin.
          'content-security-policy': "sandbox; default-src 'none'",
          'cache-control': 'no-store',
        });
      }
      const name = FeedFiles.nameOf(path);
      if (name && (await feeds.serve(request, response, name))) return;
      throw new HttpError(404, 'not found');
    }
    if (method === 'POST') {
      const action = /^\/review\/finding\/(\d{1,12})\/(status|note)$/.exec(path);
      const bulk = path === '/review/bulk';
      if (!action && !bulk) throw new HttpError(404, 'not found');
      // Forms: our origin, our session, and the session's form token, all three.
      if (!sameOrigin(request, ownOrigins(request))) throw new HttpError(403, 'cross-site request refused');
      const form = await readForm(request);
      if (!session || !guard.csrfMatches(session, form.get('csrf'))) {
        throw new HttpError(403, 'the form has expired or did not come from this site: reload the page');
      }
      const who = (form.get('who') ?? '').trim();
      const note = form.get('note') ?? undefined;
      const context = contextOf(url);
      const headers = { 'set-cookie': guard.whoCookie(who, secure) };
      if (bulk) {
        const status = form.get('status');
        if (!isReviewStatus(status)) throw new HttpError(400, 'unknown status');
        const ids = form
          .getAll('id')
          .filter((id) => /^\d{1,12}$/.test(id))
          .map(Number);
        if (ids.length === 0) throw new HttpError(400, 'no finding selected: tick the ones to change');
        for (const id of ids) await findingOrThrow(id);
        const outcome = await setStatuses(sql, ids, status, { who, note });
        const query = parseListQuery(url.searchParams);
        redirect(
          response,
          `/review${listQueryString(query, { done: `bulk-${outcome.changed}-${outcome.unchanged}` })}`,
          headers,
        );
        return;
      }
      const id = Number(action![1]);
      await findingOrThrow(id);
      if (action![2] === 'status') {
        const status = form.get('status');
        if (!isReviewStatus(status)) throw new HttpError(400, 'unknown status');
        const before = (await getFinding(sql, id))!.status;
        await setStatus(sql, id, status, { who, note });
        const done = before === status && !note?.trim() ? 'same' : 'status';
        redirect(response, `/review/finding/${id}${withParam(context, 'done', done)}`, headers);
      } else {
        await addNote(sql, id, note ?? '', { who });
        redirect(response, `/review/finding/${id}${withParam(context, 'done', 'note')}`, headers);
      }
      return;
    }
    throw new HttpError(405, 'method not allowed', { allow: 'GET, HEAD, POST' });
  }

  async function findingOrThrow(id: number): Promise<Finding> {
    const finding = await getFinding(sql, id);
    if (!finding) throw new HttpError(404, `no finding ${id}`);
    return finding;
  }

  async function reviewList(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    session: Session,
    who: string,
  ): Promise<void> {
    const query = parseListQuery(url.searchParams);
    const filter = filterOf(query);
    const total = await countFindings(sql, filter);
    const pages = Math.max(1, Math.ceil(total / query.per));
    if (query.page > pages) query.page = pages;
    const findings = await listFindings(sql, {
      ...filter,
      limit: query.per,
      offset: (query.page - 1) * query.per,
    });
    const counts = await countByStatus(sql, filter);
    const facets = await findingFacets(sql);
    const scans = await listScans(sql, 100);
    const done = /^bulk-(\d+)-(\d+)$/.exec(url.searchParams.get('done') ?? '');
    sendHtml(
      request,
      response,
      200,
      listPage({
        findings,
        total,
        query,
        counts,
        facets,
        scans,
        csrf: guard.csrfOf(session),
        who,
        message: done
          ? `${done[1]} finding${done[1] === '1' ? '' : 's'} changed${
              done[2] !== '0' ? `; ${done[2]} already had that status` : ''
            }.`
          : undefined,
      }),
    );
  }

  async function reviewFinding(
    request: IncomingMessage,
    response: ServerResponse,
    id: number,
    url: URL,
    session: Session,
    who: string,
  ): Promise<void> {
    const stored = await findingOrThrow(id);
    const site = options.sites?.find((candidate) => candidate.id === stored.site);
    const finding = site ? { ...stored, evidence: { ...stored.evidence, site: siteFactsOf(site) } } : stored;
    const licensed = site ? licensedOn(site, new Date().toISOString()) : false;
    const query = parseListQuery(url.searchParams);
    const at = /^\d{1,9}$/.test(url.searchParams.get('at') ?? '')
      ? Number(url.searchParams.get('at'))
      : undefined;
    const neighbours = at === undefined ? {} : await neighboursOf(query, at, id);
    const text = renderNotice(notice, finding, {
      publisher: options.publisher,
      today: new Date().toISOString(),
    });
    const snapshot = await latestSnapshot(sql, finding.pageUrl);
    const audit = await auditLog(sql, id);
    const done = url.searchParams.get('done');
    sendHtml(
      request,
      response,
      200,
      findingPage({
        finding: { ...finding, licensed },
        audit,
        csrf: guard.csrfOf(session),
        who,
        message:
          done === 'status'
            ? 'Status changed.'
            : done === 'same'
              ? 'The status was already that: nothing changed.'
              : done === 'note'
                ? 'Note added.'
                : undefined,
        context: contextOf(url),
        previous: neighbours.previous,
        next: neighbours.next,
        backToList: `/review${listQueryString({ ...query, page: at === undefined ? query.page : Math.floor(at / query.per) + 1 })}`,
        notice: { text, ...splitLetter(text), to: finding.evidence.site?.contact ?? '' },
        reprint: snapshot ? reprintView(snapshot, finding, `/review/finding/${id}/snapshot`) : undefined,
        evidence: await evidence.view(finding, `/review/finding/${id}/evidence/`),
      }),
    );
  }

  /**
   * The findings before and after position `at` of the list the reviewer came from. When the
   * finding has left the list (its status changed under an "open" filter), the one now at `at`
   * is the next.
   */
  async function neighboursOf(
    query: ListQuery,
    at: number,
    id: number,
  ): Promise<{ previous?: string; next?: string }> {
    const filter = filterOf(query);
    const window = await listFindings(sql, { ...filter, limit: 3, offset: Math.max(0, at - 1) });
    const before = at > 0 ? window[0] : undefined;
    const here = window[at > 0 ? 1 : 0];
    const stillHere = here?.id === id;
    const after = stillHere ? window[at > 0 ? 2 : 1] : here;
    const href = (finding: Finding | undefined, position: number) =>
      finding ? `/review/finding/${finding.id}${listQueryString(query, { at: position })}` : undefined;
    return {
      previous: href(before && before.id !== id ? before : undefined, at - 1),
      next: href(after, stillHere ? at + 1 : at),
    };
  }

  /** What finished scans saw never changes: their trend is read once. */
  const finishedTrend = new Map<number, ScanSiteTrend[]>();
  async function trendOf(scans: readonly Scan[]): Promise<ScanSiteTrend[]> {
    const missing = scans.filter((scan) => !finishedTrend.has(scan.id));
    const fresh = await scanTrend(
      sql,
      missing.map((scan) => scan.id),
    );
    const rows: ScanSiteTrend[] = [...fresh];
    for (const scan of missing) {
      if (scan.finished)
        finishedTrend.set(
          scan.id,
          fresh.filter((row) => row.scan === scan.id),
        );
    }
    for (const scan of scans)
      rows.push(...(finishedTrend.get(scan.id) ?? []).filter(() => !missing.includes(scan)));
    return rows;
  }

  async function dashboard(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const scans = await listScans(sql, 60);
    const problems = new Map(scans.map((scan) => [scan.id, siteProblems(scan, options.sites)]));
    const trend = await trendOf(scans);
    const totals = await countByStatus(sql, {});
    const needsReview = await countFindings(sql, { verdict: 'uncertain', status: ['open', 'contacted'] });
    sendHtml(request, response, 200, dashboardPage({ scans, trend, problems, totals, needsReview }));
  }

  /** The stored HTML of the reprint as plain text: a browser shows it and runs nothing. */
  async function storedHtml(request: IncomingMessage, response: ServerResponse, id: number): Promise<void> {
    const finding = await findingOrThrow(id);
    const snapshot = await latestSnapshot(sql, finding.pageUrl);
    if (!snapshot) throw new HttpError(404, 'no stored copy of this page');
    send(request, response, 200, snapshot.body, {
      'content-type': 'text/plain; charset=utf-8',
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'no-store',
    });
  }

  function ownOrigins(request: IncomingMessage): string[] {
    const hostHeader = guard.visibleHost(request);
    return [`http://${hostHeader}`, `https://${hostHeader}`];
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The list context of a finding page (`?…&at=N`), without what only one answer needs. */
function contextOf(url: URL): string {
  const params = new URLSearchParams(url.searchParams);
  params.delete('done');
  params.delete('token');
  const text = params.toString();
  return text ? `?${text}` : '';
}

function withParam(query: string, name: string, value: string): string {
  const params = new URLSearchParams(query);
  params.set(name, value);
  return `?${params.toString()}`;
}

/** The letter's "Subject:" line, when it starts with one, and the rest as the body. */
function splitLetter(text: string): { subject: string; body: string } {
  const match = /^Subject:[ \t]*(.*)\r?\n/i.exec(text);
  if (!match) return { subject: '', body: text };
  return { subject: match[1]!.trim(), body: text.slice(match[0].length).replace(/^\s*\n/, '') };
}

function countHeader(request: IncomingMessage, name: string): number {
  let count = 0;
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]!.toLowerCase() === name) count++;
  }
  return count;
}

function readTls(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw configError(`cannot read: ${(error as Error).message}`, { file }, error);
    }
  };
  return { cert: read(tls.certFile), key: read(tls.keyFile) };
}
