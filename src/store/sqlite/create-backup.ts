import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { StoreError } from "../store-error.ts";
import { type BackupFile, backupName, listBackups } from "./backup-files.ts";
import { runInlineWorker } from "./inline-worker.ts";

/** Where and how to back up, and how many backups to keep. */
export interface BackupOptions {
  dir: string;
  /** Backups to keep, newest first; older ones are deleted after a new one is in place (default 7). */
  keep?: number;
  /** zstd-compress the copy (Bun.zstdCompressSync; E2E payloads do not shrink, metadata does). */
  compress?: boolean;
  nowMs?: number;
}

/** The new backup, the ones pruned, and the bytes of those kept (for the quota). */
export interface BackupResult {
  path: string;
  bytes: number;
  pruned: string[];
  keptBytes: number;
}

const WORKER_SOURCE = `
import { Database } from "bun:sqlite";
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
self.onmessage = ({ data }) => {
  try {
    const db = new Database(data.file, { readonly: true });
    db.query("VACUUM INTO ?").run(data.copy);
    db.close(false);
    if (data.compressed !== data.copy) {
      writeFileSync(data.compressed, Bun.zstdCompressSync(readFileSync(data.copy)));
      rmSync(data.copy);
    }
    const fd = openSync(data.compressed, "r");
    fsyncSync(fd);
    closeSync(fd);
    postMessage({ ok: true });
  } catch (error) {
    postMessage({ ok: false, message: String(error) });
  }
};
`;

/**
 * Backs up the live database `file` while writes go on: `VACUUM INTO` a temp file from a worker
 * thread (a consistent snapshot; the event loop is not blocked), optionally zstd, fsync, then rename
 * into `dir` so a backup file is always whole. Then prunes to the newest `keep`.
 */
export async function createBackup(file: string, options: BackupOptions): Promise<BackupResult> {
  const compress = options.compress ?? false;
  const name = backupName(options.nowMs ?? Date.now(), compress);
  const path = join(options.dir, name);
  const copy = join(options.dir, `.${name}.tmp`);
  const compressed = compress ? `${copy}.zst` : copy;
  mkdirSync(options.dir, { recursive: true, mode: 0o750 });
  try {
    const done = await runInlineWorker<{ ok: boolean; message?: string }>(WORKER_SOURCE, {
      file,
      copy,
      compressed,
    });
    if (!done.ok) throw new Error(done.message);
    renameSync(compressed, path);
    syncDirectory(options.dir);
  } catch (error) {
    rmSync(copy, { force: true });
    rmSync(compressed, { force: true });
    throw new StoreError(
      "io",
      `backup of ${file} into ${options.dir} failed (${String(error)}); no backup was written`,
    );
  }
  return { path, ...prune(options.dir, options.keep ?? 7, path) };
}

/** Keeps the new backup and the newest `keep - 1` others (by name, which is by time). */
function prune(dir: string, keep: number, newest: string): Omit<BackupResult, "path"> {
  const all = listBackups(dir);
  const others = all.filter((b) => b.path !== newest);
  const excess = others.slice(0, Math.max(0, others.length - Math.max(0, keep - 1)));
  for (const old of excess) rmSync(old.path, { force: true });
  const kept = all.filter((b) => !excess.includes(b));
  const bytes = kept.find((b) => b.path === newest)?.bytes ?? 0;
  return { bytes, pruned: excess.map((b) => b.path), keptBytes: sum(kept) };
}

function sum(files: BackupFile[]): number {
  return files.reduce((total, file) => total + file.bytes, 0);
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
