import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isSyndicateError, usageError } from '../errors.ts';
import { createLogger, isLogLevel, LOG_LEVELS, type LogFormat, logger, setLogger } from '../log.ts';
import { DEFAULT_STORE } from '../store/db.ts';
import { VERSION } from '../version.ts';
import { commands } from './commands.ts';
import { type CommandContext, EXIT, type ExitCode, type GlobalOptions, type Io } from './context.ts';
import { StatusLine } from './terminal.ts';

export function buildProgram(io: Io, onExit: (code: ExitCode) => void): Command {
  const status = new StatusLine(io);
  const program = new Command('syndicate')
    .description(
      'Build syndication feeds from an article store, and check that republishers keep the reprint terms.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(
      new Option('--store <file>', 'the SQLite article store (or set SYNDICATE_STORE)').default(
        io.env?.SYNDICATE_STORE || DEFAULT_STORE,
      ),
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
    action:
      (handler) =>
      async (...args) => {
        onExit(await handler(...args));
      },
    progress: (label) => status.progress(label),
  };
  for (const command of commands) command.register(program, context);
  for (const sub of program.commands)
    sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
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
      // --help and --version end through here with exit code 0; commander printed the rest.
      return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    io.stderr(`syndicate: ${describeError(error)}\n`);
    // The stack is for whoever debugs syndicate itself, at debug level; the user gets one line.
    logger().debug({ err: error }, 'the command failed');
    return EXIT.error;
  }
}

/**
 * One line that names what failed. Our own errors name the file, line and field; Node's system
 * errors name the call and the path (`EISDIR: illegal operation on a directory, open 'out'`).
 */
export function describeError(error: unknown): string {
  if (isSyndicateError(error)) return firstLine(error.toString());
  if (error instanceof Error) {
    const system = error as NodeJS.ErrnoException;
    const message = firstLine(error.message) || error.name;
    return system.code && !message.includes(system.code) ? `${message} (${system.code})` : message;
  }
  return firstLine(String(error));
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/** Parse an integer option between `minimum` and `maximum`, for commander. */
export function integerOption(minimum = 0, maximum = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = Number(value);
    if (
      !/^\d+$/.test(value.trim()) ||
      !Number.isSafeInteger(number) ||
      number < minimum ||
      number > maximum
    ) {
      throw new InvalidArgumentError(
        maximum === Number.MAX_SAFE_INTEGER
          ? `must be an integer of at least ${minimum}`
          : `must be an integer from ${minimum} to ${maximum}`,
      );
    }
    return number;
  };
}
