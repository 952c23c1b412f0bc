import type { CommandDefinition } from './context.ts';
import { reportCommand } from './report.ts';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [reportCommand];
