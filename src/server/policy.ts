import { randomBytes } from 'node:crypto';
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

export const MIN_TOKEN_BITS = 128;

/**
 * A generous estimate of a token's entropy in bits: its length times log2 of the alphabet its
 * character classes span (lower case, upper case, digits, anything else), but never more than
 * what its spread of characters allows. A person's chosen words score high though they hold less:
 * the estimate refuses what is plainly weak (repeats, short, one class), it cannot prove strength.
 */
export function tokenBits(token: string): number {
  // A token that repeats a shorter one ("secretsecretsecret") holds only what that one holds.
  const characters = shortestPeriod([...token].slice(0, MAX_TOKEN_CHARACTERS));
  if (characters.length === 0) return 0;
  let alphabet = 0;
  if (/[a-z]/.test(token)) alphabet += 26;
  if (/[A-Z]/.test(token)) alphabet += 26;
  if (/[0-9]/.test(token)) alphabet += 10;
  if (/[^a-zA-Z0-9]/.test(token)) alphabet += 33;
  // A token in base64url's characters that mixes cases is drawn from its 64: a random one of 22
  // characters (132 bits) has no digit, '-' or '_' one time in a hundred, and was refused for it.
  if (/^[A-Za-z0-9_-]+$/.test(token) && /[a-z]/.test(token) && /[A-Z]/.test(token))
    alphabet = Math.max(alphabet, 64);
  const byClass = characters.length * Math.log2(alphabet);
  // Shannon entropy of the characters' own frequencies, times the length: 0 for "aaaa…" or 16
  // spaces, near the class estimate for random text.
  const frequency = new Map<string, number>();
  for (const character of characters) frequency.set(character, (frequency.get(character) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of frequency.values()) {
    const p = count / characters.length;
    perCharacter -= p * Math.log2(p);
  }
  // Short random strings under-use their alphabet, so the spread counts double before capping.
  return Math.min(byClass, 2 * perCharacter * characters.length);
}

/** Longer tokens are judged by their start: the estimate stays cheap whatever is passed in. */
const MAX_TOKEN_CHARACTERS = 1024;

/**
 * The repeated unit of a token that repeats one at least twice over ("secretsecret", "abababa"),
 * else the whole token. A longer "period" is only a last character equal to the first, as in one
 * random token in sixty-four, and was counted as a repeat that lost that token its last character.
 */
function shortestPeriod(characters: string[]): string[] {
  for (let period = 1; 2 * period <= characters.length; period++) {
    let repeats = true;
    for (let index = period; index < characters.length && repeats; index++) {
      repeats = characters[index] === characters[index - period];
    }
    if (repeats) return characters.slice(0, period);
  }
  return characters;
}

/** A fresh token: 32 random bytes (256 bits), URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Refuse to serve the review pages (which change findings) to the network without a token. On a
 * loopback address a token is optional; anywhere else it is required. Any token given must be
 * strong, since the login link can be guessed at.
 */
export function checkBindPolicy(host: string, token: string | undefined): void {
  if (token !== undefined) checkToken(token);
  if (!isLoopback(host) && token === undefined) {
    throw usageError(
      `serving on ${host} makes the review pages reachable from other machines: give --token-file, --token or --generate-token`,
    );
  }
}

export function checkToken(token: string): void {
  const bits = tokenBits(token);
  if (bits < MIN_TOKEN_BITS) {
    throw usageError(
      `the token is too weak (about ${Math.floor(bits)} bits; at least ${MIN_TOKEN_BITS} are needed): use --generate-token, or 32 random hex digits or more`,
    );
  }
}
