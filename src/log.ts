import pino, { type DestinationStream, type Logger } from 'pino';
import { safeForTerminal } from './text/safe.ts';

/**
 * The one logger of the library. Log lines go to stderr, so stdout stays free for command output
 * (`check --format json`, `report --format csv`): JSON lines for a log collector, or readable lines
 * on a terminal. The CLI configures it (`configureLogger`); tests silence it.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'text' | 'json';

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

let current: Logger = pino({ level: 'info', base: undefined }, pino.destination({ fd: 2, sync: true }));

export function logger(): Logger {
  return current;
}

export function setLogger(next: Logger): void {
  current = next;
}

export function setLogLevel(level: string): void {
  current.level = level;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where a finished line goes; by default straight to file descriptor 2. */
  write?: (line: string) => void;
}

/** A logger writing JSON lines or readable lines; `write` lets the CLI keep a progress line intact. */
export function createLogger(options: LoggerOptions): Logger {
  const settings = { level: options.level, base: undefined };
  const write = options.write;
  if (options.format === 'json') {
    return write
      ? pino(settings, { write: (line: string) => write(line) } satisfies DestinationStream)
      : pino(settings, pino.destination({ fd: 2, sync: true }));
  }
  const stderr = write ? undefined : pino.destination({ fd: 2, sync: true });
  const sink = write ?? ((line: string) => stderr?.write(line));
  const showStacks = options.level === 'debug' || options.level === 'trace';
  return pino(settings, {
    write: (line: string) => sink(formatLine(line, showStacks)),
  } satisfies DestinationStream);
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * One pino JSON line as a line a person reads: `12:03:04 WARN  crawl item failed  url=… reason=…`.
 * Values come from other sites (URLs, server messages): control characters are shown escaped so
 * that no page can move the cursor or recolour the terminal.
 */
export function formatLine(json: string, showStacks = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `${safeForTerminal(json.trimEnd())}\n`;
  }
  const { level, time, msg, err, ...rest } = entry;
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const name = (LEVEL_NAMES[level as number] ?? String(level)).padEnd(5);
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${formatValue(value)}`);
  let line = `${clock} ${name} ${typeof msg === 'string' ? msg : ''}`;
  if (err !== undefined) fields.unshift(`error=${formatValue(errorText(err))}`);
  if (fields.length) line += `  ${fields.join(' ')}`;
  line = safeForTerminal(line);
  const stack = showStacks && err && typeof err === 'object' ? (err as { stack?: unknown }).stack : undefined;
  if (typeof stack === 'string') line += `\n${stack.split('\n').map(safeForTerminal).join('\n')}`;
  return `${line}\n`;
}

function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const { message, type } = err as { message?: unknown; type?: unknown };
    // Our own errors say what failed in their message; other types are worth naming.
    const plain = type === undefined || type === 'Error' || type === 'SyndicateError';
    if (typeof message === 'string') return plain ? message : `${String(type)}: ${message}`;
  }
  return typeof err === 'string' ? err : JSON.stringify(err);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

export type { Logger };
