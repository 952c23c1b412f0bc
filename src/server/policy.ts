import { isIP } from 'node:net';
import { usageError } from '../errors.ts';

/** Whether `host` (an address or name to bind) is only reachable from this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (bare.startsWith('::ffff:')) return bare.slice(7).startsWith('127.');
  return false;
}

export const MIN_TOKEN_LENGTH = 16;

/**
 * Refuse to serve the review pages (which change findings) to the network without a token. On a
 * loopback address a token is optional; anywhere else it is required and must not be trivial.
 */
export function checkBindPolicy(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw usageError(`the token must be at least ${MIN_TOKEN_LENGTH} characters long`);
  }
  if (!isLoopback(host) && token === undefined) {
    throw usageError(
      `serving on ${host} makes the review pages reachable from other machines: give --token (or --token-file)`,
    );
  }
}
