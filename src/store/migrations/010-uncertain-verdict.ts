import type { Migration } from './index.ts';

/**
 * A finding's verdict may be `uncertain`: a reprint the checker could not judge with confidence,
 * recorded for a person to review but never counted as a violation.
 *
 * SQLite cannot alter a CHECK constraint, and rebuilding `findings` would cascade deletes into
 * `observations` (foreign keys cannot be turned off inside the migration's transaction). Widening a
 * CHECK does not change how rows are stored, so the table's definition is edited in place, the
 * procedure SQLite documents for such changes (https://sqlite.org/lang_altertable.html, "making
 * other kinds of table schema changes"): edit `sqlite_schema` with `writable_schema`, then bump
 * `schema_version` so that every connection reads the new definition.
 */
export const uncertainVerdict: Migration = {
  version: 10,
  name: 'uncertain-verdict',
  up(db) {
    const before = "CHECK (verdict IN ('compliant', 'violation'))";
    const after = "CHECK (verdict IN ('compliant', 'violation', 'uncertain'))";
    const sql = db
      .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'findings'")
      .pluck()
      .get() as string | undefined;
    if (!sql?.includes(before))
      throw new Error('findings.verdict does not have the CHECK constraint of migration 4');
    const version = db.pragma('schema_version', { simple: true }) as number;
    db.unsafeMode(true);
    try {
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'findings'").run(
        sql.replace(before, after),
      );
      db.pragma(`schema_version = ${version + 1}`);
      db.pragma('writable_schema = OFF');
    } finally {
      db.unsafeMode(false);
    }
    const problems = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    if (problems[0]?.integrity_check !== 'ok')
      throw new Error(`integrity check failed: ${JSON.stringify(problems)}`);
  },
};
