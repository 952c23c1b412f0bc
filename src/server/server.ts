import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Site } from '../config/sites.ts';
import { licensedOn } from '../config/sites.ts';
import { SyndicateError } from '../errors.ts';
import {
  addNote,
  auditLog,
  countFindings,
  type FindingFilter,
  findingFacets,
  getFinding,
  isReviewStatus,
  latestScan,
  listFindings,
  setStatus,
} from '../findings/index.ts';
import { ACTIVE_STATUSES, type ReviewStatus } from '../findings/types.ts';
import { logger } from '../log.ts';
import { REPORT_CSS } from '../report/index.ts';
import type { Db } from '../store/db.ts';
import { csrfMatches, type Session, Sessions, sameOrigin } from './auth.ts';
import { FeedFiles } from './feeds.ts';
import { HttpError, readForm, redirect, send, sendHtml } from './http.ts';
import { findingPage, homePage, type ListFilter, listPage, messagePage, REVIEW_EXTRA_CSS } from './pages.ts';
import { checkBindPolicy, isLoopback } from './policy.ts';

export interface ServeOptions {
  db: Db;
  /** The folder `syndicate build` writes feeds into. */
  outDir: string;
  host?: string;
  port?: number;
  token?: string;
  sites?: readonly Site[];
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const STYLE = REPORT_CSS + REVIEW_EXTRA_CSS;
const PAGE_SIZE = 200;

/**
 * The feeds and the review pages over HTTP. A token, when set, is demanded on every request
 * (a session cookie after `?token=` or `Authorization: Bearer`); forms carry a per-session CSRF
 * token and must come from our own origin.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  checkBindPolicy(host, options.token);
  const sessions = new Sessions(options.token);
  const feeds = new FeedFiles(options.outDir);
  let port = options.port ?? 8080;

  const server = createServer((request, response) => {
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
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;

  /** Host names this server answers to; others are refused (DNS rebinding) unless a token guards it. */
  const allowedHost = (hostHeader: string | undefined): boolean => {
    if (sessions.tokenRequired) return true;
    if (!hostHeader) return false;
    const name = hostHeader.replace(/:\d+$/, '');
    return isLoopback(name) && (hostHeader.endsWith(`:${port}`) || !/:\d+$/.test(hostHeader));
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (!allowedHost(request.headers.host)) throw new HttpError(421, 'unknown host name');
    const url = new URL(request.url ?? '/', 'http://server.invalid');
    const secure = false;

    // Login by link: ?token=… on a GET sets the session cookie and drops the token from the URL.
    let session = sessions.fromRequest(request);
    const offered = url.searchParams.get('token');
    if (offered !== null && method === 'GET') {
      if (!sessions.tokenMatches(offered))
        throw new HttpError(401, 'wrong token', { 'www-authenticate': 'Bearer' });
      session = sessions.create(true);
      url.searchParams.delete('token');
      // Only ever a path on this server: never `//other.example`.
      const location = `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
      redirect(response, location, { 'set-cookie': sessions.cookie(session, secure) });
      return;
    }
    const bearer = sessions.bearer(request);
    const authenticated = !sessions.tokenRequired || bearer || session?.authenticated === true;
    if (!authenticated) {
      throw new HttpError(
        401,
        'this server needs its token: open it with ?token=… or send Authorization: Bearer',
        {
          'www-authenticate': 'Bearer',
        },
      );
    }

    const path = url.pathname;
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/') return sendHtml(request, response, 200, homePage(await feeds.list()));
      // Browsers ask for it on every page; an empty answer keeps their consoles quiet.
      if (path === '/favicon.ico')
        return send(request, response, 204, '', { 'cache-control': 'max-age=86400' });
      if (path === '/review/style.css') {
        return send(request, response, 200, STYLE, {
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'no-cache',
        });
      }
      if (path === '/review') return reviewList(request, response, url);
      const findingMatch = /^\/review\/finding\/(\d{1,12})$/.exec(path);
      if (findingMatch) {
        if (!session) {
          session = sessions.create(bearer || !sessions.tokenRequired);
          response.setHeader('set-cookie', sessions.cookie(session, secure));
        }
        return reviewFinding(
          request,
          response,
          Number(findingMatch[1]),
          session,
          url.searchParams.get('done'),
        );
      }
      const name = FeedFiles.nameOf(path);
      if (name && (await feeds.serve(request, response, name))) return;
      throw new HttpError(404, 'not found');
    }
    if (method === 'POST') {
      const action = /^\/review\/finding\/(\d{1,12})\/(status|note)$/.exec(path);
      if (!action) throw new HttpError(404, 'not found');
      // Forms: our origin, our session, and the session's form token, all three.
      if (!sameOrigin(request, ownOrigins(request))) throw new HttpError(403, 'cross-site request refused');
      const form = await readForm(request);
      if (!session || !csrfMatches(session, form.get('csrf'))) {
        throw new HttpError(403, 'the form has expired or did not come from this site: reload the page');
      }
      const id = Number(action[1]);
      const who = (form.get('who') ?? '').trim();
      const note = form.get('note') ?? undefined;
      if (action[2] === 'status') {
        const status = form.get('status');
        if (!isReviewStatus(status)) throw new HttpError(400, 'unknown status');
        ensureFinding(id);
        setStatus(options.db, id, status, { who, note });
      } else {
        ensureFinding(id);
        addNote(options.db, id, note ?? '', { who });
      }
      session.who = who;
      redirect(response, `/review/finding/${id}?done=${action[2]}`);
      return;
    }
    throw new HttpError(405, 'method not allowed', { allow: 'GET, HEAD, POST' });
  }

  function ensureFinding(id: number): void {
    if (!getFinding(options.db, id)) throw new HttpError(404, `no finding ${id}`);
  }

  function reviewList(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const params = url.searchParams;
    const scan = latestScan(options.db);
    const status = params.get('status') ?? 'active';
    const filter: ListFilter = {
      site: params.get('site') || undefined,
      rule: params.get('rule') || undefined,
      status: status === 'all' ? 'all' : isReviewStatus(status) ? status : undefined,
      new: params.get('new') === '1',
    };
    const query: FindingFilter = { site: filter.site, rule: filter.rule };
    if (filter.status === undefined) query.status = ACTIVE_STATUSES as ReviewStatus[];
    else if (filter.status !== 'all') query.status = filter.status;
    if (filter.new) {
      if (!scan) query.status = [];
      else Object.assign(query, { scan: scan.id, change: 'new' });
    }
    const findings = listFindings(options.db, { ...query, limit: PAGE_SIZE });
    const total = countFindings(options.db, query);
    sendHtml(
      request,
      response,
      200,
      listPage({ findings, total, filter, facets: findingFacets(options.db), scan }),
    );
  }

  function reviewFinding(
    request: IncomingMessage,
    response: ServerResponse,
    id: number,
    session: Session,
    done: string | null,
  ): void {
    const finding = getFinding(options.db, id);
    if (!finding) throw new HttpError(404, `no finding ${id}`);
    const site = options.sites?.find((candidate) => candidate.id === finding.site);
    const licensed = site ? licensedOn(site, new Date().toISOString()) : false;
    sendHtml(
      request,
      response,
      200,
      findingPage({
        finding: { ...finding, licensed },
        audit: auditLog(options.db, id),
        csrf: session.csrf,
        who: session.who ?? '',
        message: done === 'status' ? 'Status changed.' : done === 'note' ? 'Note added.' : undefined,
      }),
    );
  }

  function ownOrigins(request: IncomingMessage): string[] {
    const hostHeader = (request.headers.host ?? '').toLowerCase();
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
    url: `http://${shownHost}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
