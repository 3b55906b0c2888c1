import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Backup file names: norc-backup-<UTC stamp>.db, or .db.zst when compressed. */
const BACKUP_NAME = /^norc-backup-(\d{8}T\d{9}Z)\.db(\.zst)?$/;

/** The name of a backup taken at `atMs`. */
export function backupName(atMs: number, compressed: boolean): string {
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, "").replace(".", "");
  return `norc-backup-${stamp}.db${compressed ? ".zst" : ""}`;
}

/** One backup file in a backup directory. */
export interface BackupFile {
  path: string;
  bytes: number;
}

/** The backups in `dir`, oldest first (names sort by time); none if the directory is missing. */
export function listBackups(dir: string): BackupFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .map((name) => ({ path: join(dir, name), bytes: statSync(join(dir, name)).size }));
}

/** Bytes of every backup in `dir`. */
export function backupBytes(dir: string): number {
  return listBackups(dir).reduce((total, file) => total + file.bytes, 0);
}
