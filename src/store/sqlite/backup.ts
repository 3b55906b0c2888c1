import { Database } from "bun:sqlite";
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { errorMessage } from "../../errors.ts";
import { unlinkQuietly } from "../../util/atomic-write.ts";
import { StoreError } from "../store-error.ts";
import { runInlineWorker } from "./inline-worker.ts";
import { schemaVersion } from "./migrate.ts";
import { LATEST_SCHEMA_VERSION } from "./schema.ts";

/** A verified backup file: `norc-YYYYMMDDTHHMMSSmmmZ.db`, or `.db.zst` when compressed. */
export interface BackupFile {
  file: string;
  bytes: number;
  atMs: number;
}

/** What one backup run did. */
export interface BackupOutcome extends BackupFile {
  durationMs: number;
  /** Bytes of the uncompressed copy (equal to `bytes` without compression). */
  rawBytes: number;
}

const NAME = /^norc-(\d{8}T\d{9}Z)\.db(\.zst)?$/;
const TEMP_PREFIX = ".partial-";

/** The name a backup taken at `atMs` gets: sortable, UTC, millisecond resolution. */
export function backupName(atMs: number, compressed: boolean): string {
  const stamp = new Date(atMs).toISOString().replace(/[-:.]/g, "");
  return `norc-${stamp}.db${compressed ? ".zst" : ""}`;
}

const WORKER_SOURCE = `
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
const sync = (path) => { const fd = openSync(path, "r"); fsyncSync(fd); closeSync(fd); };
self.onmessage = ({ data }) => {
  try {
    const source = new Database(data.file, { readonly: true });
    try { source.query("VACUUM INTO ?").run(data.raw); } finally { source.close(false); }
    chmodSync(data.raw, 0o600);
    const copy = new Database(data.raw, { readonly: true });
    let verdict;
    try { verdict = copy.query("PRAGMA integrity_check").values().map((row) => row[0]).join("; "); } finally { copy.close(false); }
    if (verdict !== "ok") throw new Error("the copy fails its integrity check: " + verdict);
    const rawBytes = readFileSync(data.raw).length;
    if (data.packed) {
      writeFileSync(data.packed, Bun.zstdCompressSync(readFileSync(data.raw), { level: 3 }), { mode: 0o600 });
      rmSync(data.raw);
      sync(data.packed);
    } else {
      sync(data.raw);
    }
    postMessage({ ok: true, rawBytes });
  } catch (error) {
    postMessage({ ok: false, message: String(error && error.message ? error.message : error) });
  }
};
`;

/**
 * Takes an online, consistent copy of the database at `dbFile` into `target` (a file path):
 * `VACUUM INTO` on a connection of its own in a worker thread (the store keeps writing and the
 * event loop keeps serving), then verifies it (opens it, `integrity_check`), compresses it with zstd
 * when asked, and only then renames it into place. A failure or a kill leaves no file that looks
 * complete: only `.partial-*` files, which `pruneBackups` removes.
 */
export async function writeBackup(
  dbFile: string,
  target: string,
  compress: boolean,
  nowMs = Date.now(),
): Promise<BackupOutcome> {
  const started = performance.now();
  const dir = dirname(target);
  const raw = join(dir, `${TEMP_PREFIX}${process.pid}-${nowMs}.db`);
  const packed = compress ? `${raw}.zst` : undefined;
  try {
    const done = await runInlineWorker<{ ok: boolean; message?: string; rawBytes?: number }>(WORKER_SOURCE, {
      file: dbFile,
      raw,
      packed,
    });
    if (!done.ok) throw new Error(done.message);
    renameSync(packed ?? raw, target);
    fsyncFile(dir);
    const bytes = statSync(target).size;
    return {
      file: target,
      bytes,
      atMs: nowMs,
      durationMs: performance.now() - started,
      rawBytes: done.rawBytes ?? bytes,
    };
  } catch (error) {
    unlinkQuietly(raw);
    if (packed !== undefined) unlinkQuietly(packed);
    throw new StoreError("io", `backup to ${target} failed, nothing kept (${errorMessage(error)})`, {
      cause: error,
    });
  }
}

/** Throws StoreError unless `file` is a database this binary can open that passes integrity_check. */
export function verifyDatabaseFile(file: string): void {
  let db: Database | undefined;
  try {
    db = new Database(file, { readonly: true });
    const result = db.query("PRAGMA integrity_check").values() as string[][];
    const verdict = result.map((row) => row[0]).join("; ");
    if (verdict !== "ok") throw new StoreError("corrupt", `${file} fails its integrity check: ${verdict}`);
    const version = schemaVersion(db);
    if (version > LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        "schema_too_new",
        `${file} has schema version ${version}, newer than this norc-server knows (${LATEST_SCHEMA_VERSION})`,
      );
    }
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError("corrupt", `${file} is not a usable norc-server database (${errorMessage(error)})`, {
      cause: error,
    });
  } finally {
    db?.close();
  }
}

/** The verified backups in `dir`, oldest first (partial files are not backups). */
export function listBackups(dir: string): BackupFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => NAME.test(name))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      return { file, bytes: statSync(file).size, atMs: stampMs(NAME.exec(name)?.[1] ?? "") };
    });
}

/** Keeps the newest `retention` backups, removes older ones and leftover partial files; returns what is kept. */
export function pruneBackups(dir: string, retention: number): BackupFile[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of names) if (name.startsWith(TEMP_PREFIX)) unlinkQuietly(join(dir, name));
  const backups = listBackups(dir);
  const excess = backups.length - retention;
  for (const old of backups.slice(0, Math.max(0, excess))) unlinkQuietly(old.file);
  return backups.slice(Math.max(0, excess));
}

/** The plain database bytes of a backup file (decompressed when it is `.zst`). */
export function backupContents(file: string): Uint8Array {
  const bytes = readFileSync(file);
  return file.endsWith(".zst") ? Bun.zstdDecompressSync(bytes) : bytes;
}

function stampMs(stamp: string): number {
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
  return Date.parse(iso);
}

function writeSynced(path: string, data: Uint8Array): void {
  writeFileSync(path, data, { mode: 0o600 });
  fsyncFile(path);
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Installs a backup as the database of `dataDir` (the server must be stopped): verifies the
 * backup's contents in a temp file first, moves the current database (with its WAL) aside as
 * `norc.db.before-restore-<time>`, then renames the verified copy into place. Returns the aside name.
 */
export function restoreBackup(backup: string, dbFile: string, nowMs = Date.now()): string | undefined {
  const dir = join(dbFile, "..");
  const temp = join(dir, `${TEMP_PREFIX}restore-${process.pid}-${nowMs}.db`);
  try {
    writeSynced(temp, backupContents(backup));
    verifyDatabaseFile(temp);
  } catch (error) {
    unlinkQuietly(temp);
    if (error instanceof StoreError) throw error;
    throw new StoreError("io", `cannot read backup ${backup} (${errorMessage(error)})`, { cause: error });
  }
  const aside = `${dbFile}.before-restore-${new Date(nowMs).toISOString().replace(/[-:.]/g, "")}`;
  let moved: string | undefined;
  try {
    statSync(dbFile);
    renameSync(dbFile, aside);
    moved = aside;
    for (const suffix of ["-wal", "-shm"]) {
      try {
        renameSync(`${dbFile}${suffix}`, `${aside}${suffix}`);
      } catch {
        // no WAL or shared-memory file: nothing to keep
      }
    }
  } catch {
    // no current database: nothing to keep aside
  }
  renameSync(temp, dbFile);
  fsyncFile(dir);
  return moved;
}
