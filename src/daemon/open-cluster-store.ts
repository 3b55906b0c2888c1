import { SQL } from "bun";
import { readDatabasePassword } from "../config/cluster-settings.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, NorcError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import { type MigrationResult, migratePostgres } from "../store/postgres/migrate.ts";
import { describeTarget, storeErrorOf } from "../store/postgres/postgres-errors.ts";
import { openPostgresStore, type PostgresStore } from "../store/postgres/postgres-store.ts";
import { StoreError } from "../store/store-error.ts";
import { logQuota, quotaBytes } from "./open-store.ts";

/** The [cluster] database: its URL, the password of database_password_file, and its host:port/db for messages. */
function database(config: Config): { url: string; password?: string; target: string } {
  const url = config.cluster.database_url;
  if (url === undefined) throw new NorcError("cluster.database_url is not set", ExitCode.config);
  return { url, password: readDatabasePassword(config), target: describeTarget(url) };
}

/**
 * Opens the shared Postgres store of cluster mode with the quota of max_disk_usage_mb. An
 * unreachable database is 75 (temporary: the supervisor may retry), a schema behind this binary
 * names `norc-server migrate`; the password is never in a message.
 */
export async function openClusterStore(config: Config, logger?: Logger): Promise<PostgresStore> {
  const { url, password } = database(config);
  try {
    return await openPostgresStore({
      url,
      password,
      poolSize: config.cluster.pool_size,
      quotaBytes: quotaBytes(config),
      onQuotaEvent: logger === undefined ? undefined : (event) => logQuota(logger, event),
    });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    const exitCode = error.code === "io" ? ExitCode.tempFail : ExitCode.failure;
    throw new NorcError(`cannot open the cluster store: ${error.message}`, exitCode);
  }
}

/** Applies the Postgres migrations of the configured database (`norc-server migrate`). */
export async function migrateClusterStore(config: Config): Promise<MigrationResult & { target: string }> {
  const { url, password, target } = database(config);
  const sql = new SQL({
    url,
    ...(password === undefined ? {} : { password }),
    max: 1,
    connectionTimeout: 10,
  });
  try {
    return { ...(await migratePostgres(sql)), target };
  } catch (error) {
    const failure = storeErrorOf(error, "migrating", target, password);
    const exitCode = failure.code === "io" ? ExitCode.unavailable : ExitCode.failure;
    throw new NorcError(`cannot migrate the cluster store: ${failure.message}`, exitCode);
  } finally {
    await sql.close({ timeout: 1 }).catch(() => undefined);
  }
}
