import { buildCommand } from './build.ts';
import { checkCommand } from './check.ts';
import type { CommandDefinition } from './context.ts';
import { crawlCommand } from './crawl.ts';
import { discoverCommand } from './discover.ts';
import { doctorCommand } from './doctor.ts';
import { evidenceCommand } from './evidence.ts';
import { findingsCommand } from './findings.ts';
import { importCommand } from './import.ts';
import { migrateStoreCommand } from './migrate-store.ts';
import { removeCommand } from './remove.ts';
import { reportCommand } from './report.ts';
import { scanCommand } from './scan.ts';
import { serveCommand } from './serve.ts';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [
  importCommand,
  buildCommand,
  checkCommand,
  crawlCommand,
  scanCommand,
  reportCommand,
  findingsCommand,
  evidenceCommand,
  discoverCommand,
  serveCommand,
  removeCommand,
  migrateStoreCommand,
  doctorCommand,
];
