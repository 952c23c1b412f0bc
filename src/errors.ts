/**
 * Typed errors. Library code throws these; only the CLI turns them into messages and exit codes.
 * `where` names the place in the input (file, line, field) so a user can go straight to it.
 */
export interface Where {
  file?: string;
  line?: number;
  field?: string;
}

export type ErrorCode =
  | 'config' // a configuration file is missing, unreadable or invalid
  | 'input' // an input file (articles, pages) is invalid
  | 'usage' // the command line is wrong
  | 'store' // the database cannot be opened or is in an unexpected state
  | 'fetch' // a network fetch failed for good
  | 'locked' // another process holds a lock
  | 'internal';

export class SyndicateError extends Error {
  readonly code: ErrorCode;
  readonly where: Where;
  /** Further problems found in the same input (every invalid field of a file, not only the first). */
  readonly more: readonly SyndicateError[];

  constructor(
    code: ErrorCode,
    message: string,
    where: Where = {},
    options?: { cause?: unknown; more?: readonly SyndicateError[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyndicateError';
    this.code = code;
    this.where = where;
    this.more = options?.more ?? [];
  }

  /** `file:line: field: message`, omitting what is unknown. */
  override toString(): string {
    return formatWhere(this.where, this.message);
  }
}

export function formatWhere(where: Where, message: string): string {
  let place = where.file ?? '';
  if (where.file && where.line !== undefined) place += `:${where.line}`;
  const field = where.field ? `${where.field}: ` : '';
  return place ? `${place}: ${field}${message}` : `${field}${message}`;
}

export const configError = (message: string, where: Where = {}, cause?: unknown) =>
  new SyndicateError('config', message, where, { cause });
export const inputError = (message: string, where: Where = {}, cause?: unknown) =>
  new SyndicateError('input', message, where, { cause });
export const usageError = (message: string) => new SyndicateError('usage', message);

export function isSyndicateError(error: unknown): error is SyndicateError {
  return error instanceof SyndicateError;
}
