import type { Command } from 'commander';

/** Where a command writes. The CLI core never touches `process`; only `bin.js` does. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars) or a log collector (JSON lines). */
  interactive: boolean;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM); long commands watch it. */
  stopSignal: AbortSignal;
}

export interface GlobalOptions {
  store: string;
  feeds: string;
  rules: string;
}

export interface CommandContext {
  io: Io;
  globals(): GlobalOptions;
}

/** Exit codes are a contract: 0 nothing wrong, 1 violations or failed pages, 2 usage/config/runtime. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A command adds itself to the program. Its action returns the exit code; thrown errors become
 * exit code 2 with a message naming the place.
 */
export interface CommandDefinition {
  name: string;
  register(program: Command, context: CommandContext, done: (code: ExitCode) => void): void;
}

export function defineCommand(definition: CommandDefinition): CommandDefinition {
  return definition;
}
