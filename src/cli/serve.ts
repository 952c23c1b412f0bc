import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSites, SITES_FILE } from '../config/sites.ts';
import { configError, usageError } from '../errors.ts';
import { startServer } from '../server/index.ts';
import { openStore } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
import { integerOption } from './main.ts';

export const DEFAULT_OUT = 'public';

/** `serve [--port N] [--host H] [--token T | --token-file F] [--out DIR]`. Runs until stopped. */
export const serveCommand = defineCommand({
  name: 'serve',
  register(program, context) {
    program
      .command('serve')
      .description('serve the built feeds (ETag, 304, compression) and the review pages over HTTP')
      .option('--port <n>', 'port to listen on (0: any free port)', integerOption(0, 65535), 8080)
      .option(
        '--host <address>',
        'address to bind; a token is required unless it is a loopback address',
        '127.0.0.1',
      )
      .option('--token <token>', 'secret that every request must carry (at least 16 characters)')
      .option('--token-file <file>', 'read the token from this file (keeps it out of the process list)')
      .option('--out <dir>', 'the folder of built feeds', DEFAULT_OUT)
      .action(
        context.action(
          async (options: {
            port: number;
            host: string;
            token?: string;
            tokenFile?: string;
            out: string;
          }) => {
            if (options.token !== undefined && options.tokenFile !== undefined) {
              throw usageError('give --token or --token-file, not both');
            }
            const token = options.tokenFile !== undefined ? readToken(options.tokenFile) : options.token;
            const globals = context.globals();
            const sites = existsSync(join(globals.rules, SITES_FILE)) ? loadSites(globals.rules).sites : [];
            const db = openStore(globals.store, { mustExist: true });
            try {
              const running = await startServer({
                db,
                outDir: options.out,
                host: options.host,
                port: options.port,
                token,
                sites,
              });
              context.io.stdout(`serving ${options.out} and the review pages on ${running.url}/\n`);
              await new Promise<void>((resolve) => {
                if (context.io.stopSignal.aborted) resolve();
                else context.io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
              });
              await running.close();
            } finally {
              db.close();
            }
            return EXIT.ok;
          },
        ),
      );
  },
});

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw configError(`cannot read the token: ${(error as Error).message}`, { file }, error);
  }
}
