import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../../errors.ts";
import { StoreError } from "../store-error.ts";
import { schemaVersion } from "./migrate.ts";
import { DATABASE_FILE } from "./open-database.ts";
import { LATEST_SCHEMA_VERSION } from "./schema.ts";

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** What to restore where, and the server's lock file that must not be held. */
export interface RestoreOptions {
  backupFile: string;
  dataDir: string;
  lockFile: string;
  nowMs?: number;
}

/**
 * Puts a backup (plain or zstd) in place as the data dir's database. Refuses while the lock file
 * names a live process, and refuses a backup that is damaged or newer than this binary. The database
 * it replaces is kept beside it (`norc.db.replaced-<ms>`, with its WAL) so a mistake can be undone.
 */
export function restoreBackup(options: RestoreOptions): { replaced?: string } {
  refuseIfLocked(options.lockFile);
  const target = join(options.dataDir, DATABASE_FILE);
  const staged = join(options.dataDir, `.${DATABASE_FILE}.restore.tmp`);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o750 });
  try {
    writeFileSync(staged, readBackup(options.backupFile), { mode: 0o640, flush: true });
    checkBackup(staged, options.backupFile);
  } catch (error) {
    rmSync(staged, { force: true });
    throw error;
  }
  const replaced = existsSync(target) ? `${target}.replaced-${options.nowMs ?? Date.now()}` : undefined;
  if (replaced !== undefined) {
    renameSync(target, replaced);
    if (existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${replaced}-wal`);
  }
  rmSync(`${target}-wal`, { force: true });
  rmSync(`${target}-shm`, { force: true });
  renameSync(staged, target);
  return replaced === undefined ? {} : { replaced };
}

function refuseIfLocked(lockFile: string): void {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lockFile, "utf8").trim(), 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  throw new StoreError(
    "locked",
    `the server is running (pid ${pid} holds ${lockFile}): stop it before restoring a backup`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readBackup(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new StoreError("io", `cannot read backup ${path} (${errorMessage(error)})`);
  }
  return ZSTD_MAGIC.every((byte, i) => bytes[i] === byte) ? Bun.zstdDecompressSync(bytes) : bytes;
}

function checkBackup(staged: string, backupFile: string): void {
  let db: Database | undefined;
  try {
    db = new Database(staged, { readonly: true });
    const check = db.query("PRAGMA quick_check").values();
    if (check.length !== 1 || check[0]?.[0] !== "ok") throw new Error(String(check[0]?.[0]));
    const version = schemaVersion(db);
    if (version > LATEST_SCHEMA_VERSION) {
      throw new Error(
        `schema version ${version} is newer than this norc-server knows (${LATEST_SCHEMA_VERSION})`,
      );
    }
  } catch (error) {
    throw new StoreError(
      "corrupt",
      `backup ${backupFile} cannot be restored (${errorMessage(error)}); nothing was changed`,
    );
  } finally {
    db?.close(false);
  }
}
