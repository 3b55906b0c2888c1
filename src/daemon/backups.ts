import { mkdirSync } from "node:fs";
import { dataDirLayout } from "../config/data-dir.ts";
import type { Config } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import {
  type BackupOutcome,
  backupName,
  listBackups,
  pruneBackups,
  writeBackup,
} from "../store/sqlite/backup.ts";

/** The last backup run, for `status` and /metrics. */
export interface BackupState {
  lastOutcome?: "ok" | "failed";
  lastAtMs?: number;
  lastBytes?: number;
  lastDurationMs?: number;
  okTotal: number;
  failedTotal: number;
  /** Bytes of the verified backups kept in data_dir/backups (they count against the quota). */
  keptBytes: number;
}

/**
 * One backup now, of the store database of `config`: into `output` when given (kept as is,
 * zstd when it ends in .zst), else into data_dir/backups (zstd when storage.compression_enabled)
 * with the retention applied. Throws StoreError on failure (nothing kept).
 */
export function backupNow(
  config: Config,
  output?: string,
  nowMs = Date.now(),
): BackupOutcome & { keptBytes: number } {
  const layout = dataDirLayout(config.storage.data_dir);
  const compress = config.storage.compression_enabled;
  if (output !== undefined) {
    return {
      ...writeBackup(layout.storeFile, output, compress || output.endsWith(".zst"), nowMs),
      keptBytes: keptBytes(config),
    };
  }
  mkdirSync(layout.backupsDir, { recursive: true, mode: 0o700 });
  const outcome = writeBackup(
    layout.storeFile,
    `${layout.backupsDir}/${backupName(nowMs, compress)}`,
    compress,
    nowMs,
  );
  const kept = pruneBackups(layout.backupsDir, config.storage.backup_retention);
  return { ...outcome, keptBytes: kept.reduce((sum, backup) => sum + backup.bytes, 0) };
}

/** Bytes of the backups kept in data_dir/backups now. */
export function keptBytes(config: Config): number {
  return listBackups(dataDirLayout(config.storage.data_dir).backupsDir).reduce((sum, b) => sum + b.bytes, 0);
}

/**
 * Automatic backups every storage.backup_interval_hours (0: none; fractions allowed), each logged
 * with its size and duration; `configure` applies a reloaded config (the timer restarts).
 */
export class BackupSchedule {
  readonly state: BackupState;
  private timer?: ReturnType<typeof setInterval>;
  private config: Config;

  constructor(
    config: Config,
    private readonly logger: Logger,
    private readonly onKeptBytes: (bytes: number) => void,
  ) {
    this.config = config;
    this.state = { okTotal: 0, failedTotal: 0, keptBytes: keptBytes(config) };
    this.onKeptBytes(this.state.keptBytes);
  }

  start(): void {
    this.configure(this.config);
  }

  configure(config: Config): void {
    this.config = config;
    this.stop();
    const hours = config.storage.backup_interval_hours;
    if (hours <= 0) return;
    this.timer = setInterval(() => this.run(), Math.max(1000, hours * 3_600_000));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one backup now (scheduled, or asked by `norc-server backup`), logging its outcome. */
  run(output?: string): BackupOutcome {
    try {
      const outcome = backupNow(this.config, output);
      Object.assign(this.state, {
        lastOutcome: "ok",
        lastAtMs: outcome.atMs,
        lastBytes: outcome.bytes,
        lastDurationMs: outcome.durationMs,
        keptBytes: outcome.keptBytes,
      });
      this.state.okTotal++;
      this.onKeptBytes(outcome.keptBytes);
      this.logger.info(
        `backup written: ${outcome.file} (${outcome.bytes} bytes${outcome.bytes !== outcome.rawBytes ? ` from ${outcome.rawBytes}` : ""}, ${Math.round(outcome.durationMs)} ms)`,
      );
      return outcome;
    } catch (error) {
      Object.assign(this.state, { lastOutcome: "failed", lastAtMs: Date.now() });
      this.state.failedTotal++;
      this.logger.error(`backup failed, nothing kept: ${errorMessage(error)}`);
      throw error;
    }
  }
}
