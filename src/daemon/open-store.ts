import { dataDirLayout } from "../config/data-dir.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, NorcError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { QuotaEvent } from "../store/ports.ts";
import { listBackups } from "../store/sqlite/backup.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { StoreError } from "../store/store-error.ts";

const MiB = 1024 * 1024;

/** A lock held by another process fails a commit after this long, rather than block the server for 5 s. */
export const STORE_BUSY_TIMEOUT_MS = 100;

/**
 * Opens the message store in storage.data_dir with the quota of max_disk_usage_mb. The store
 * checks itself (quick_check, schema version) at open: a damaged or too new database refuses, and
 * the message says what to do (restore a backup). Quota crossings are logged once each.
 */
export function openStore(config: Config, logger?: Logger): SqliteStore {
  const { data_dir } = config.storage;
  try {
    return SqliteStore.open(data_dir, {
      quotaBytes: quotaBytes(config),
      compressFrames: config.storage.compression_enabled,
      busyTimeoutMs: STORE_BUSY_TIMEOUT_MS,
      onQuotaEvent: logger === undefined ? undefined : (event) => logQuota(logger, event),
    });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    const exitCode = error.code === "locked" ? ExitCode.tempFail : ExitCode.failure;
    const hint = error.code === "corrupt" ? `\n${restoreHint(config)}` : "";
    throw new NorcError(`cannot open the message store: ${error.message}${hint}`, exitCode);
  }
}

/** What to run after a damaged database: restore the newest verified backup, when there is one. */
function restoreHint(config: Config): string {
  const { backupsDir } = dataDirLayout(config.storage.data_dir);
  const newest = listBackups(backupsDir).at(-1);
  return newest === undefined
    ? `there is no backup in ${backupsDir}: move the damaged file away to start with an empty store, or restore one with "norc-server restore FILE"`
    : `restore the newest verified backup: norc-server restore ${newest.file}`;
}

/** storage.max_disk_usage_mb in bytes. */
export function quotaBytes(config: Config): number {
  return config.storage.max_disk_usage_mb * MiB;
}

/** Logs a crossing of the quota's thresholds (once per crossing). */
export function logQuota(logger: Logger, event: QuotaEvent): void {
  const used = `${(event.usedBytes / MiB).toFixed(1)} MiB of ${(event.limitBytes / MiB).toFixed(0)} MiB`;
  if (event.level === "full") {
    logger.error(
      `storage full: ${used} (storage.max_disk_usage_mb): new messages are refused until acks or expiry free room, or the limit is raised`,
    );
  } else if (event.level === "warning") {
    logger.warn(`storage at 90 % of its limit: ${used} (storage.max_disk_usage_mb)`);
  } else {
    logger.info(`storage back below 90 % of its limit: ${used}`);
  }
}
