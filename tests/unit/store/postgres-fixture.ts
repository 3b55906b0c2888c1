import { SQL } from "bun";
import type { StoreOptions } from "../../../src/store/ports.ts";
import { migratePostgres } from "../../../src/store/postgres/migrate.ts";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { freshDatabase } from "../../helpers/postgres.ts";
import type { StoreFixture } from "./store-fixtures.ts";

/** A migrated, empty database of the test Postgres; its URL. */
export async function migratedDatabase(): Promise<string> {
  const url = await freshDatabase();
  const sql = new SQL({ url, max: 1 });
  try {
    await migratePostgres(sql);
  } finally {
    await sql.close();
  }
  return url;
}

/** The Postgres store over its own fresh database (created and migrated on the first open). */
export function postgresFixture(
  poolSize = 8,
): StoreFixture & { open(options?: StoreOptions): Promise<PostgresStore> } {
  let url: Promise<string> | undefined;
  return {
    open: async (options) => {
      url ??= migratedDatabase();
      return openPostgresStore({ url: await url, poolSize, ...options });
    },
    durable: true,
    cleanup: () => {},
  };
}
