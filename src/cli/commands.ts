import type { CommandDefinition } from './context.ts';
import { reportCommand } from './report.ts';
import { serveCommand } from './serve.ts';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [reportCommand, serveCommand];
