import type { CommandDefinition } from './context.ts';
import { importCommand } from './import.ts';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [importCommand];
