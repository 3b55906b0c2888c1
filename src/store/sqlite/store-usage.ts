import { statSync } from "node:fs";
import { QUOTA_WARNING_RATIO, type QuotaTracker } from "../quota-tracker.ts";

/**
 * Bytes the store occupies on disk (database + WAL + backups), measured after each batch and checked
 * against the quota. Deleting rows does not shrink the file, but SQLite reuses its free pages: those
 * (`freeBytes`) do not count, and near the quota the WAL is folded in and truncated (`foldWal`), so
 * acks and expiry make room again under a full quota.
 */
export class StoreUsage {
  usedBytes = 0;
  /** Bytes of the backups kept for this store, set by whoever writes or prunes them. */
  backupBytes = 0;
  walBytes = 0;

  constructor(
    readonly file: string,
    readonly quota: QuotaTracker,
    private readonly freeBytes: () => number = () => 0,
    private readonly foldWal: () => void = () => {},
  ) {
    this.measure();
  }

  /** Re-reads the file sizes and reports a quota crossing if there is one. */
  measure(): number {
    let used = this.read();
    const limit = this.quota.limitBytes;
    if (limit !== undefined && this.walBytes > 0 && used >= limit * QUOTA_WARNING_RATIO) {
      this.foldWal();
      used = this.read();
    }
    this.usedBytes = used;
    this.quota.update(used);
    return used;
  }

  private read(): number {
    this.walBytes = sizeOf(`${this.file}-wal`);
    const fileBytes = Math.max(0, sizeOf(this.file) - this.freeBytes());
    return fileBytes + this.walBytes + this.backupBytes;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
