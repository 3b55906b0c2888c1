import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { dataDirLayout } from "../config/data-dir.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, NorcError } from "../errors.ts";
import { restoreBackup } from "../store/sqlite/backup.ts";
import { StoreError } from "../store/store-error.ts";
import { backupNow } from "./backups.ts";
import { sendControl } from "./control-client.ts";
import type { BackupReply } from "./control-protocol.ts";
import { findInstance } from "./find-instance.ts";
import { instancePaths } from "./instance-paths.ts";
import { RELOAD_REPLY_MS } from "./timeouts.ts";

/**
 * `norc-server backup [-o FILE]`: through the running server's control channel (it keeps writing
 * meanwhile), or straight from the database file when no server runs.
 */
export async function backupOnInstance(config: Config, output?: string): Promise<BackupReply> {
  const target = output === undefined ? undefined : resolve(output);
  const paths = instancePaths(config.daemon.pid_file);
  const found = await findInstance(paths);
  if (found.state === "running") {
    const reply = await sendControl(paths.endpoint, { op: "backup", output: target }, RELOAD_REPLY_MS);
    if (!reply.ok) throw new NorcError(reply.error, reply.exitCode ?? ExitCode.failure);
    if (!("backup" in reply)) throw new NorcError("unexpected answer from the running server");
    return reply.backup;
  }
  const { storeFile } = dataDirLayout(config.storage.data_dir);
  if (!existsSync(storeFile)) {
    throw new NorcError(
      `no message store at ${storeFile} yet (the server creates it when it first starts): nothing to back up`,
    );
  }
  try {
    const { file, bytes, durationMs } = await backupNow(config, undefined, target);
    return { file, bytes, durationMs };
  } catch (error) {
    throw asNorcError(error);
  }
}

/**
 * `norc-server restore FILE`: only while no server of this config runs; the backup is verified
 * before anything changes, and the current database is kept aside. Returns the lines to print.
 */
export async function restoreOnInstance(config: Config, file: string): Promise<string[]> {
  const paths = instancePaths(config.daemon.pid_file);
  const found = await findInstance(paths);
  if (found.state === "running") {
    throw new NorcError(
      `norc-server is running (pid ${found.pid}): stop it first ("norc-server stop"), then restore; nothing was changed`,
    );
  }
  const backup = resolve(file);
  if (!existsSync(backup))
    throw new NorcError(
      `no backup file ${backup}: "ls ${dataDirLayout(config.storage.data_dir).backupsDir}" lists the backups`,
    );
  const { storeFile } = dataDirLayout(config.storage.data_dir);
  try {
    const aside = restoreBackup(backup, storeFile);
    return [
      `restored ${backup} into ${storeFile} (verified: integrity check passed)`,
      aside === undefined ? "there was no database before" : `the previous database is kept as ${aside}`,
    ];
  } catch (error) {
    throw asNorcError(error, "nothing was changed");
  }
}

function asNorcError(error: unknown, suffix?: string): NorcError {
  if (error instanceof StoreError)
    return new NorcError(suffix ? `${error.message}: ${suffix}` : error.message);
  if (error instanceof NorcError) return error;
  throw error;
}
