import pino, { type Logger } from 'pino';

/**
 * The one logger of the library. JSON lines on stderr, so stdout stays free for command output
 * (`check --format json`, `report --format csv`). The CLI sets the level; tests silence it.
 */
let current: Logger = pino(
  { level: process.env.SYNDICATE_LOG_LEVEL ?? 'info', base: undefined },
  pino.destination({ fd: 2, sync: true }),
);

export function logger(): Logger {
  return current;
}

export function setLogger(next: Logger): void {
  current = next;
}

export function setLogLevel(level: string): void {
  current.level = level;
}

export type { Logger };
