import type { SQL } from "bun";
import { StoreError } from "../store-error.ts";
import { postgresSchemaVersion, tooNew } from "./migrate.ts";
import { storeErrorOf } from "./postgres-errors.ts";
import { POSTGRES_SCHEMA_VERSION } from "./schema.ts";

/**
 * Refuses a database this binary must not write: unreachable (naming host:port, never the
 * password), a schema behind this binary (run `norc-server migrate`), or ahead of it.
 */
export async function checkSchema(sql: SQL, target: string, password?: string): Promise<void> {
  let version: number;
  try {
    version = await postgresSchemaVersion(sql);
  } catch (error) {
    const cause = storeErrorOf(error, "connecting", target, password);
    throw new StoreError("io", `cannot open the Postgres store: ${cause.message}`, { cause: error });
  }
  if (version > POSTGRES_SCHEMA_VERSION) throw tooNew(version, POSTGRES_SCHEMA_VERSION);
  if (version < POSTGRES_SCHEMA_VERSION) {
    throw new StoreError(
      "schema_too_old",
      `the Postgres database at ${target} has schema version ${version}, this norc-server needs ` +
        `${POSTGRES_SCHEMA_VERSION}: run \`norc-server migrate\` first`,
    );
  }
}
