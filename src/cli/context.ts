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
export type CommandResult = ExitCode | Promise<ExitCode>;

export interface CommandContext {
  io: Io;
  globals(): GlobalOptions;
  /**
   * Wrap a command's action so that the code it returns becomes the exit code of the run. Every
   * command passes its action through this: commander itself ignores what an action returns.
   */
  action<Args extends unknown[]>(handler: (...args: Args) => CommandResult): (...args: Args) => Promise<void>;
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

/** A command adds itself to the program; its action returns the exit code through `context.action`. */
export interface CommandDefinition {
  name: string;
  register(program: Command, context: CommandContext): void;
}

export function defineCommand(definition: CommandDefinition): CommandDefinition {
  return definition;
}
