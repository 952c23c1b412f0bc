import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isSyndicateError } from '../errors.ts';
import { logger } from '../log.ts';
import { DEFAULT_STORE } from '../store/db.ts';
import { commands } from './commands.ts';
import { EXIT, type ExitCode, type GlobalOptions, type Io } from './context.ts';

export function buildProgram(io: Io, done: (code: ExitCode) => void): Command {
  const program = new Command('syndicate')
    .description(
      'Build syndication feeds from an article store, and check that republishers keep the reprint terms.',
    )
    .addOption(new Option('--store <file>', 'the SQLite article store').default(DEFAULT_STORE))
    .addOption(new Option('--feeds <dir>', 'folder of feed definitions').default('feeds'))
    .addOption(new Option('--rules <dir>', 'folder of reprint terms and the site registry').default('rules'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const context = { io, globals: () => program.opts<GlobalOptions>() };
  for (const command of commands) command.register(program, context, done);
  for (const sub of program.commands)
    sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Run the CLI on `argv` (without node and script) and return the exit code. */
export async function run(argv: string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (next) => {
    code = next;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.error;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    if (isSyndicateError(error)) {
      io.stderr(`syndicate: ${error.toString()}\n`);
      return EXIT.error;
    }
    logger().error({ err: error }, 'unexpected error');
    io.stderr(`syndicate: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.error;
  }
}

/** Parse a positive integer option, for commander. */
export function integerOption(minimum = 0) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < minimum) {
      throw new InvalidArgumentError(`must be an integer of at least ${minimum}`);
    }
    return number;
  };
}
