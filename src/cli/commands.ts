import type { CommandDefinition } from './context.ts';

/**
 * Every command of the CLI, in the order `--help` lists them. Each is loaded only when a run needs
 * it: loading all fourteen (and all they import) took most of a second of every start, which a
 * script calling `syndicate findings` in a loop, or a worker, pays each time.
 */
const COMMANDS: ReadonlyArray<{ name: string; load: () => Promise<CommandDefinition> }> = [
  { name: 'import', load: async () => (await import('./import.ts')).importCommand },
  { name: 'build', load: async () => (await import('./build.ts')).buildCommand },
  { name: 'check', load: async () => (await import('./check.ts')).checkCommand },
  { name: 'crawl', load: async () => (await import('./crawl.ts')).crawlCommand },
  { name: 'scan', load: async () => (await import('./scan.ts')).scanCommand },
  { name: 'report', load: async () => (await import('./report.ts')).reportCommand },
  { name: 'findings', load: async () => (await import('./findings.ts')).findingsCommand },
  { name: 'evidence', load: async () => (await import('./evidence.ts')).evidenceCommand },
  { name: 'discover', load: async () => (await import('./discover.ts')).discoverCommand },
  { name: 'serve', load: async () => (await import('./serve.ts')).serveCommand },
  { name: 'remove', load: async () => (await import('./remove.ts')).removeCommand },
  { name: 'migrate-store', load: async () => (await import('./migrate-store.ts')).migrateStoreCommand },
  { name: 'worker', load: async () => (await import('./worker.ts')).workerCommand },
  { name: 'doctor', load: async () => (await import('./doctor.ts')).doctorCommand },
];

/** Global options that take a value (`--store FILE`): their value is not a command's name. */
const VALUED_GLOBALS = new Set(['--store', '--feeds', '--rules', '--log-format']);

/**
 * The commands a run of `argv` needs: the one it names, or all of them when it names none it
 * knows (`--help`, `help scan`, a typo that commander answers with a suggestion).
 */
export async function commandsFor(argv: readonly string[]): Promise<CommandDefinition[]> {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (VALUED_GLOBALS.has(arg)) {
      index++;
      continue;
    }
    // The version needs no command at all.
    if (arg === '--version' || arg === '-V') return [];
    if (arg.startsWith('-')) continue;
    const named = COMMANDS.find((command) => command.name === arg);
    if (named) return [await named.load()];
    break;
  }
  return Promise.all(COMMANDS.map((command) => command.load()));
}
