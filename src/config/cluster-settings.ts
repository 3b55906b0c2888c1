import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { ExitCode, NorcError } from "../errors.ts";
import { errnoText } from "../util/errno.ts";
import type { Config } from "./schema.ts";

/**
 * [storage] keys that do nothing in cluster mode (the store is Postgres: the server takes no backups,
 * pg_dump and the operator's Postgres tooling do), rejected there when set, never silently ignored.
 * data_dir (identity, generated certificate, daemon log) and max_disk_usage_mb (the shared
 * database's quota) keep working.
 */
export const CLUSTER_UNUSED_STORAGE_KEYS = [
  "storage.compression_enabled",
  "storage.backup_interval_hours",
  "storage.backup_retention",
] as const;

/** This instance's name in the cluster: cluster.instance_name, else hostname:port. */
export function clusterInstanceName(config: Config): string {
  return config.cluster.instance_name ?? `${hostname()}:${config.network.port}`;
}

/**
 * Problems of a cluster-mode config the schema cannot see: a [storage] key set (not left at its
 * default) that cluster mode does not use. `origins` says where each value came from.
 */
export function clusterConfigProblems(config: Config, origins: Record<string, string>): string[] {
  if (!config.cluster.enabled) return [];
  return CLUSTER_UNUSED_STORAGE_KEYS.filter((key) => (origins[key] ?? "default") !== "default").map(
    (key) =>
      `${key}: does nothing in cluster mode (the messages are in Postgres: back it up with pg_dump or your Postgres tooling), remove it (from ${origins[key]})`,
  );
}

/** The database password of cluster.database_password_file (trimmed), or undefined when none is set. */
export function readDatabasePassword(config: Config): string | undefined {
  const file = config.cluster.database_password_file;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new NorcError(
      `cannot read cluster.database_password_file "${file}" (${errnoText(error)}): create it readable by the server's user, or unset it`,
      ExitCode.config,
    );
  }
}

/** `backup` and `restore` act on the SQLite store: in cluster mode they refuse and say what to use. */
export function refuseInClusterMode(config: Config, command: "backup" | "restore"): void {
  if (!config.cluster.enabled) return;
  const tool = command === "backup" ? "pg_dump" : "pg_restore (or psql for a plain dump)";
  throw new NorcError(
    `norc-server ${command} works on the SQLite store, and cluster.enabled = true keeps the messages in Postgres: use ${tool} against cluster.database_url`,
    ExitCode.usage,
  );
}
