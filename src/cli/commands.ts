import type { CommandDefinition } from './context.ts';
import { crawlCommand } from './crawl.ts';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [crawlCommand];
