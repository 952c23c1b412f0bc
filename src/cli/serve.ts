import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTerms } from '../check/terms.ts';
import { loadSites, SITES_FILE } from '../config/sites.ts';
import { TERMS_FILE } from '../config/terms.ts';
import { configError, usageError } from '../errors.ts';
import { loadNotices } from '../report/index.ts';
import { generateToken, SERVER_LIMITS, startServer, storedEvidence } from '../server/index.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
import { integerOption } from './options.ts';

export const DEFAULT_OUT = 'public';

interface ServeFlags {
  port: number;
  host: string;
  token?: string;
  tokenFile?: string;
  generateToken?: boolean;
  trustProxy?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  maxConnections: number;
  out: string;
}

/** `serve [--port N] [--host H] [--token T | --token-file F | --generate-token] …`. Runs until stopped. */
export const serveCommand = defineCommand({
  name: 'serve',
  declare(program) {
    return program
      .command('serve')
      .description('serve the built feeds (ETag, 304, compression) and the review pages over HTTP')
      .option('--port <n>', 'port to listen on (0: any free port)', integerOption(0, 65535), 8080)
      .option(
        '--host <address>',
        'address to bind; a token is required unless it is a loopback address',
        '127.0.0.1',
      )
      .option('--token <token>', 'secret that every request must carry (at least 128 bits of entropy)')
      .option('--token-file <file>', 'read the token from this file (keeps it out of the process list)')
      .option('--generate-token', 'make a random token and print it with a login link')
      .option(
        '--trust-proxy',
        'a proxy in front ends TLS: believe its X-Forwarded-Proto, -Host and -For (Secure cookies behind it)',
      )
      .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM); needs --tls-key')
      .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
      .option(
        '--max-connections <n>',
        'connections open at once; more are closed',
        integerOption(1),
        SERVER_LIMITS.maxConnections,
      )
      .option('--out <dir>', 'the folder of built feeds', DEFAULT_OUT);
  },
  action(context) {
    return async (options: ServeFlags) => {
      const given = [options.token, options.tokenFile, options.generateToken].filter(
        (value) => value !== undefined && value !== false,
      );
      if (given.length > 1) throw usageError('give one of --token, --token-file and --generate-token');
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
        throw usageError('--tls-cert and --tls-key go together');
      }
      const token = options.generateToken
        ? generateToken()
        : options.tokenFile !== undefined
          ? readToken(options.tokenFile)
          : options.token;
      const globals = context.globals();
      const sites = existsSync(join(globals.rules, SITES_FILE)) ? loadSites(globals.rules).sites : [];
      const publisher = existsSync(join(globals.rules, TERMS_FILE))
        ? loadTerms(globals.rules).publisher.name
        : undefined;
      const notice = loadNotices(globals.rules);
      const sql = await openSql(globals.store, { mustExist: true });
      try {
        const running = await startServer({
          sql,
          outDir: options.out,
          host: options.host,
          port: options.port,
          token,
          sites,
          notice,
          publisher,
          trustProxy: options.trustProxy,
          tls:
            options.tlsCert && options.tlsKey
              ? { certFile: options.tlsCert, keyFile: options.tlsKey }
              : undefined,
          maxConnections: options.maxConnections,
          evidence: storedEvidence(sql),
        });
        context.io.stdout(`serving ${options.out} and the review pages on ${running.url}/\n`);
        if (options.generateToken) {
          context.io.stdout(
            `token: ${token}\nlog in once with ${running.url}/review?token=${token}\n(the token lasts until the server stops)\n`,
          );
        }
        await new Promise<void>((resolve) => {
          if (context.io.stopSignal.aborted) resolve();
          else context.io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
        });
        await running.close();
      } finally {
        await sql.close();
      }
      return EXIT.ok;
    };
  },
});

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw configError(`cannot read the token: ${(error as Error).message}`, { file }, error);
  }
}
