import type { Command } from 'commander';

/** Where a command writes. The CLI core never touches `process`; only `bin.js` does. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (readable log lines, progress) or a log collector (JSON lines). */
  interactive: boolean;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM); long commands watch it. */
  stopSignal: AbortSignal;
  /** The environment variables the CLI reads (`SYNDICATE_LOG_LEVEL`, `SYNDICATE_STORE`); bin.js passes them. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface GlobalOptions {
  store: string;
  feeds: string;
  rules: string;
  logFormat?: 'text' | 'json';
}

/** What a command's action returns: its exit code, always (there is no callback to forget). */
type CommandResult = ExitCode | Promise<ExitCode>;

export interface CommandContext {
  io: Io;
  globals(): GlobalOptions;
  /**
   * A status line on a terminal (progress) that log lines do not tear: nothing when stderr is not a
   * terminal. `update` redraws it (at most ten times a second), `end` clears it.
   */
  progress(label: string): Progress;
}

export interface Progress {
  update(text: string, force?: boolean): void;
  end(): void;
}

/** Exit codes are a contract: 0 nothing wrong, 1 violations or failed pages, 2 usage/config/runtime. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A command: `declare` adds its name, arguments, options and help to the program; `action` gives
 * what it does, whose return value is the exit code of the run. A command never hands its action
 * to commander itself (commander ignores what an action returns): `main.ts` does, for all of them.
 */
export interface CommandDefinition<Args extends unknown[] = never[]> {
  name: string;
  declare(program: Command): Command;
  action(context: CommandContext): (...args: Args) => CommandResult;
}

/** Only for the types: the arguments of `action` are checked once, where the command is written. */
export function defineCommand<Args extends unknown[]>(
  definition: CommandDefinition<Args>,
): CommandDefinition<Args> {
  return definition;
}
