import { statSync } from "node:fs";
import type { QuotaTracker } from "../quota-tracker.ts";

/**
 * Bytes the store occupies on disk (database + WAL + backups), measured after each batch and checked
 * against the quota. Deleting rows does not shrink the file: SQLite reuses its free pages.
 */
export class StoreUsage {
  usedBytes = 0;
  /** Bytes of the backups kept for this store, set by whoever writes or prunes them. */
  backupBytes = 0;

  constructor(
    readonly file: string,
    readonly quota: QuotaTracker,
  ) {
    this.measure();
  }

  walBytes = 0;

  /** Re-reads the file sizes and reports a quota crossing if there is one. */
  measure(): number {
    this.walBytes = sizeOf(`${this.file}-wal`);
    this.usedBytes = sizeOf(this.file) + this.walBytes + this.backupBytes;
    this.quota.update(this.usedBytes);
    return this.usedBytes;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
