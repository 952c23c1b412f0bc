import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * The one HTTP test harness: real servers on 127.0.0.1 started by the test, faults injected by
 * their handlers, every request recorded the same way (one `SeenRequest` for every test).
 */

/** A request as a test server saw it. */
export interface SeenRequest {
  method: string;
  /** The request target as sent: path and query. */
  path: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  /** The If-None-Match sent, if any (a conditional request). */
  ifNoneMatch?: string;
  /** The request body, read whole before the handler runs (a webhook's JSON, a hub's form). */
  body: string;
  /** The status answered; 0 while unanswered, or when the connection was cut before an answer. */
  status: number;
  /** When it arrived and when its response ended (Date.now()). */
  startedAt: number;
  endedAt?: number;
}

export type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  socket: Socket,
  seen: SeenRequest,
) => unknown;

export interface TestServer {
  port: number;
  /** ADDRESS:PORT for the `resolve` map. */
  address: string;
  /** `http://ADDRESS:PORT` + `path`. */
  url(path: string): string;
  requests: SeenRequest[];
  /** Most requests that were in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 (or `host`) that records every request and hands it to
 * `handler`; a handler that throws cuts the connection. `close` ends every connection, hanging
 * ones included.
 */
export async function startServer(handler: Handler, options: { host?: string } = {}): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer(async (request, response) => {
    const ifNoneMatch = request.headers['if-none-match'];
    const seen: SeenRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '',
      host: request.headers.host ?? '',
      headers: request.headers,
      ...(ifNoneMatch ? { ifNoneMatch } : {}),
      body: '',
      status: 0,
      startedAt: Date.now(),
    };
    requests.push(seen);
    inFlight++;
    peak = Math.max(peak, inFlight);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      inFlight--;
      seen.endedAt = Date.now();
      if (response.headersSent) seen.status = response.statusCode;
    };
    response.on('close', end);
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        request.setEncoding('utf8');
        for await (const chunk of request) seen.body += chunk;
      }
      await handler(request, response, request.socket, seen);
    } catch (error) {
      response.destroy(error as Error);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `${host}:${port}`,
    url: (path) => `http://${host}:${port}${path}`,
    requests,
    maxInFlight: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestSite extends TestServer {
  paths(): string[];
}

/**
 * A made-up site on a test server: `routes` maps a path (with query) to a handler or an HTML
 * page; anything else is a 404 (or `fallback`).
 */
export async function startSite(
  routes: Record<string, Handler | string>,
  options: { host?: string; fallback?: Handler } = {},
): Promise<TestSite> {
  const server = await startServer(async (request, response, socket, seen) => {
    const route = routes[seen.path] ?? options.fallback;
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else if (typeof route === 'string') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(route);
    } else {
      await route(request, response, socket, seen);
    }
  }, options);
  return { ...server, paths: () => server.requests.map((request) => request.path) };
}

export function html(body: string, head = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}</head><body>${body}</body></html>`;
}

/** Write a `sites.yaml` into `dir` and return the folder (the `--rules` folder). */
export function writeSites(
  dir: string,
  config: { crawler?: Record<string, unknown>; sites: unknown[] },
): string {
  writeFileSync(join(dir, 'sites.yaml'), stringify(config));
  return dir;
}

/** Crawler settings that keep tests fast. */
export const fastCrawler = {
  delayMs: 0,
  retryDelayMs: 10,
  headersTimeoutMs: 2000,
  bodyTimeoutMs: 3000,
  allowPrivateNetworks: true,
};
