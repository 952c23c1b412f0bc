import { buildCommand } from './build.ts';
import type { CommandDefinition } from './context.ts';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [buildCommand];
