import type Database from 'better-sqlite3';

/**
 * The scan lock becomes a lease (findings): the holder's token, and when its lease runs out
 * unless the holder renews it. A holder on another machine (a PostgreSQL store is shared by many)
 * cannot be asked whether it is alive; a lease it stopped renewing can be taken over. The same
 * columns are added to PostgreSQL's schema (postgres-schema.ts, version 16).
 */
export const scanLockLease = {
  version: 16,
  name: 'scan-lock-lease',
  up(db: Database.Database): void {
    db.exec(`
      ALTER TABLE scan_lock ADD COLUMN token TEXT;
      ALTER TABLE scan_lock ADD COLUMN expires TEXT;
    `);
  },
};
