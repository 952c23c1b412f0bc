import type Database from 'better-sqlite3';

/**
 * PostgreSQL's migration 20 bumps `fingerprint_revision` once per statement instead of once per
 * row (postgres-schema.ts). SQLite has no statement triggers, and its row triggers cost little
 * (one in-place update of a page already in the cache), so its schema stays as it was; this
 * version exists so that both engines' versions keep meaning the same schema.
 */
export const revisionPerStatement = {
  version: 20,
  name: 'revision-per-statement',
  up(_db: Database.Database): void {},
};
