import type { Database } from "bun:sqlite";
import { StoreError } from "../store-error.ts";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./schema.ts";

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  applied_at_ms INTEGER NOT NULL
)`;

/** The schema version of an open database: the highest migration applied (0 for a new file). */
export function schemaVersion(db: Database): number {
  const table = db
    .query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === null) return 0;
  const row = db.query("SELECT max(version) AS version FROM schema_migrations").get() as {
    version: number | null;
  };
  return row.version ?? 0;
}

/**
 * Brings the database at `file` up to this binary's schema, one transaction per step. A database
 * written by a newer binary is refused, untouched: an older binary must not guess at its tables.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? LATEST_SCHEMA_VERSION;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new StoreError(
      "schema_too_new",
      `database ${file} has schema version ${current}, newer than this norc-server knows (${latest}): ` +
        "run the newer norc-server that wrote it, or restore a backup made by this version",
    );
  }
  for (const step of migrations) {
    if (step.version <= current) continue;
    db.transaction(() => {
      db.run(VERSION_TABLE);
      db.run(step.sql);
      db.query("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)").run(
        step.version,
        Date.now(),
      );
    }).immediate();
  }
  return latest;
}
