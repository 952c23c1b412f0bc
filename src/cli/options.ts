import { InvalidArgumentError } from 'commander';
import { isSyndicateError } from '../errors.ts';
import { plural } from '../text/plural.ts';

/** What every command shares: how an error is told in one line, how a number option is read. */

/**
 * One line that names what failed. Our own errors name the file, line and field; Node's system
 * errors name the call and the path (`EISDIR: illegal operation on a directory, open 'out'`).
 */
export function describeError(error: unknown): string {
  if (isSyndicateError(error)) {
    const line = firstLine(error.toString());
    const more = error.more.length;
    if (!more) return line;
    // doctor reads the configuration files, not articles or pages.
    const where = error.code === 'config' ? ': syndicate doctor lists them' : '';
    return `${line} (and ${plural(more, 'more problem')}${where})`;
  }
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
