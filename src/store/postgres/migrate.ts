import type { SQL } from "bun";
import { StoreError } from "../store-error.ts";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, type PostgresMigration } from "./schema.ts";

/** The advisory lock key every migration holds (transaction-scoped): one migrator at a time. */
export const MIGRATION_LOCK_KEY = 0x6e6f7263; // "norc"

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** What a migration run did: the version found, the version left, the steps applied. */
export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

/** The schema version of the database: the highest step applied (0 for an empty database). */
export async function postgresSchemaVersion(sql: SQL): Promise<number> {
  const [table] = await sql`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`;
  if (table?.present !== true) return 0;
  const [row] = await sql`SELECT max(version) AS version FROM schema_migrations`;
  return Number(row?.version ?? 0);
}

/**
 * Brings the database up to this binary's schema in one transaction holding an advisory lock, so
 * instances migrating at once apply each step once (the later ones find nothing to do). A database
 * newer than this binary is refused, untouched.
 */
export async function migratePostgres(
  sql: SQL,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<MigrationResult> {
  const latest = migrations.at(-1)?.version ?? POSTGRES_SCHEMA_VERSION;
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx.unsafe(VERSION_TABLE);
    const [row] = await tx`SELECT coalesce(max(version), 0) AS version FROM schema_migrations`;
    const from = Number(row?.version ?? 0);
    if (from > latest) throw tooNew(from, latest);
    const applied: number[] = [];
    for (const step of migrations) {
      if (step.version <= from) continue;
      await tx.unsafe(step.sql);
      await tx`INSERT INTO schema_migrations (version) VALUES (${step.version})`;
      applied.push(step.version);
    }
    return { from, to: Math.max(from, latest), applied };
  });
}

/** The refusal of a database whose schema this binary does not know. */
export function tooNew(version: number, latest: number): StoreError {
  return new StoreError(
    "schema_too_new",
    `the Postgres database has schema version ${version}, newer than this norc-server knows (${latest}): ` +
      "this binary is older than the database; upgrade it to the version the other instances run",
  );
}
