import { Command, CommanderError, Option } from 'commander';
import { usageError } from '../errors.ts';
import { createLogger, isLogLevel, LOG_LEVELS, type LogFormat, logger, setLogger } from '../log.ts';
import { DEFAULT_STORE } from '../store/db.ts';
import { VERSION } from '../version.ts';
import { commandsFor } from './commands.ts';
import {
  type CommandContext,
  type CommandDefinition,
  EXIT,
  type ExitCode,
  type GlobalOptions,
  type Io,
} from './context.ts';
import { describeError } from './options.ts';
import { StatusLine } from './terminal.ts';

/**
 * The program with every command. `exitCode` receives what the command that ran returned: the
 * only way a command ends is by returning its code, so none can forget to set it.
 */
function buildProgram(
  io: Io,
  commands: readonly CommandDefinition[],
  exitCode: (code: ExitCode) => void,
): Command {
  const status = new StatusLine(io);
  const program = new Command('syndicate')
    .description(
      'Build syndication feeds from an article store, and check that republishers keep the reprint terms.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(
      new Option(
        '--store <file|url>',
        'the store: a SQLite file or a postgres:// URL (or set SYNDICATE_STORE)',
      ).default(io.env?.SYNDICATE_STORE || DEFAULT_STORE),
    )
    .addOption(new Option('--feeds <dir>', 'folder of feed definitions').default('feeds'))
    .addOption(new Option('--rules <dir>', 'folder of reprint terms and the site registry').default('rules'))
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines as JSON or as text (default: text on a terminal, JSON otherwise)',
      ).choices(['text', 'json']),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program.hook('preAction', () => configureLogging(io, program.opts<GlobalOptions>().logFormat, status));
  const context: CommandContext = {
    io,
    globals: () => program.opts<GlobalOptions>(),
    progress: (label) => status.progress(label),
  };
  for (const definition of commands) {
    const action = definition.action(context);
    definition
      .declare(program)
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .action(async (...args: unknown[]) => {
        // commander passes the arguments its declaration promised; `action` typed them.
        exitCode(await action(...(args as never[])));
      });
  }
  return program;
}

/**
 * The logger for this run: the level from SYNDICATE_LOG_LEVEL (a wrong one is a usage error, not a
 * crash), text lines on a terminal, JSON lines otherwise. Without the variable the level stays as
 * it is, so a test or the demo that silenced the logger keeps it silent.
 */
function configureLogging(io: Io, format: LogFormat | undefined, status: StatusLine): void {
  const requested = io.env?.SYNDICATE_LOG_LEVEL;
  if (requested !== undefined && requested !== '' && !isLogLevel(requested)) {
    throw usageError(
      `SYNDICATE_LOG_LEVEL=${requested}: not a log level; use one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const level = requested || logger().level;
  const chosen = format ?? (io.interactive ? 'text' : 'json');
  setLogger(
    createLogger({
      level: isLogLevel(level) ? level : 'info',
      format: chosen,
      // On a terminal the lines go through the status line, so progress and log lines do not tear.
      ...(io.interactive ? { write: (line: string) => status.log(line) } : {}),
    }),
  );
}

/** Run the CLI on `argv` (without node and script) and return the exit code. */
export async function run(argv: string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, await commandsFor(argv), (next) => {
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
      // --help and --version end through here with exit code 0; commander printed the rest.
      return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    io.stderr(`syndicate: ${describeError(error)}\n`);
    // The stack is for whoever debugs syndicate itself, at debug level; the user gets one line.
    logger().debug({ err: error }, 'the command failed');
    return EXIT.error;
  }
}
