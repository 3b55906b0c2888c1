import { Database } from "bun:sqlite";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../../errors.ts";
import { unlinkQuietly } from "../../util/atomic-write.ts";
import { StoreError } from "../store-error.ts";
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

/**
 * Takes an online, consistent copy of the database at `dbFile` (`VACUUM INTO` on a connection of
 * its own, while the store keeps writing) into `target` (a file path), verifies it (opens it, runs
 * `integrity_check`), compresses it with zstd when asked, and only then renames it into place. A
 * failure or a kill leaves no file that looks complete: only `.partial-*` files, which `pruneBackups`
 * removes.
 */
export function writeBackup(
  dbFile: string,
  target: string,
  compress: boolean,
  nowMs = Date.now(),
): BackupOutcome {
  const started = performance.now();
  const dir = join(target, "..");
  const raw = join(dir, `${TEMP_PREFIX}${process.pid}-${nowMs}.db`);
  const packed = `${raw}.zst`;
  try {
    const source = new Database(dbFile, { readonly: true });
    try {
      source.run(`VACUUM INTO '${raw.replaceAll("'", "''")}'`);
    } finally {
      source.close();
    }
    chmodSync(raw, 0o600);
    verifyDatabaseFile(raw);
    const rawBytes = statSync(raw).size;
    if (compress) {
      writeSynced(packed, Bun.zstdCompressSync(readFileSync(raw), { level: 3 }));
      unlinkQuietly(raw);
    } else {
      fsyncFile(raw);
    }
    renameSync(compress ? packed : raw, target);
    fsyncFile(dir);
    return {
      file: target,
      bytes: statSync(target).size,
      atMs: nowMs,
      durationMs: performance.now() - started,
      rawBytes,
    };
  } catch (error) {
    unlinkQuietly(raw);
    unlinkQuietly(packed);
    if (error instanceof StoreError) throw error;
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
