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
import type { SqliteStore } from "../store/sqlite/sqlite-store.ts";

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
 * One backup now, of the store database of `config` (through the open `store` when there is one,
 * so its close waits for the backup): into `output` when given (zstd exactly when it ends in .zst),
 * else into data_dir/backups (zstd when storage.compression_enabled) with the retention applied.
 * Throws StoreError on failure (nothing kept).
 */
export async function backupNow(
  config: Config,
  store: SqliteStore | undefined,
  output?: string,
  nowMs = Date.now(),
): Promise<BackupOutcome & { keptBytes: number }> {
  const layout = dataDirLayout(config.storage.data_dir);
  const write = (target: string, compress: boolean) =>
    store === undefined
      ? writeBackup(layout.storeFile, target, compress, nowMs)
      : store.backup(target, compress, nowMs);
  if (output !== undefined) {
    return { ...(await write(output, output.endsWith(".zst"))), keptBytes: keptBytes(config) };
  }
  const compress = config.storage.compression_enabled;
  mkdirSync(layout.backupsDir, { recursive: true, mode: 0o700 });
  const outcome = await write(`${layout.backupsDir}/${backupName(nowMs, compress)}`, compress);
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

  private running?: Promise<BackupOutcome>;

  constructor(
    config: Config,
    private readonly store: SqliteStore,
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
    this.timer = setInterval(
      () => {
        if (this.running === undefined) this.run().catch(() => {});
      },
      Math.max(1000, hours * 3_600_000),
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits for a backup that is being written (shutdown lets it finish before the store closes). */
  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }

  /** Takes one backup now (scheduled, or asked by `norc-server backup`), logging its outcome. */
  async run(output?: string): Promise<BackupOutcome> {
    const run = this.takeBackup(output);
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async takeBackup(output?: string): Promise<BackupOutcome> {
    try {
      const outcome = await backupNow(this.config, this.store, output);
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
