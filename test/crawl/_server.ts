import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A request as a test server saw it. */
export interface SeenRequest {
  path: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  startedAt: number;
  endedAt?: number;
}

export type Handler = (request: IncomingMessage, response: ServerResponse, socket: Socket) => unknown;

export interface TestSite {
  port: number;
  /** ADDRESS:PORT for the `resolve` map. */
  address: string;
  requests: SeenRequest[];
  paths(): string[];
  /** Most requests that were in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 for one made-up site. `routes` maps a path (with query) to a
 * handler; anything else is a 404. Every request is recorded with its start and end time.
 */
export async function startSite(
  routes: Record<string, Handler | string>,
  options: { host?: string; fallback?: Handler } = {},
): Promise<TestSite> {
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer(async (request, response) => {
    const seen: SeenRequest = {
      path: request.url ?? '',
      host: request.headers.host ?? '',
      headers: request.headers,
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
    };
    response.on('close', end);
    const route = routes[seen.path] ?? options.fallback;
    try {
      if (route === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } else if (typeof route === 'string') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(route);
      } else {
        await route(request, response, request.socket);
      }
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
    requests,
    paths: () => requests.map((request) => request.path),
    maxInFlight: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
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
