import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { STORE_FILE } from "../../config/data-dir.ts";
import { errorMessage } from "../../errors.ts";
import { StoreError } from "../store-error.ts";
import { migrate } from "./migrate.ts";

/** The database file's name inside the data directory (with -wal and -shm beside it). */
export const DATABASE_FILE = STORE_FILE;

const CORRUPT_CODES = new Set(["SQLITE_CORRUPT", "SQLITE_NOTADB"]);

/**
 * Opens (creating if needed) the database in `dir`: WAL, synchronous=FULL so a commit is on stable
 * storage when it returns, foreign keys on. A damaged file or a newer schema refuses to open with an
 * error naming the file and what to do; the database is closed again on any failure.
 */
export function openDatabase(dir: string): { db: Database; file: string } {
  const file = join(dir, DATABASE_FILE);
  let db: Database | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    db = new Database(file, { create: true, strict: true });
    checkIntegrity(db, file);
    configure(db, file);
    migrate(db, file);
    return { db, file };
  } catch (error) {
    db?.close();
    throw openError(error, file);
  }
}

function configure(db: Database, file: string): void {
  const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
  if (mode.journal_mode.toLowerCase() !== "wal") {
    throw new StoreError("io", `database ${file} cannot use WAL mode (got ${mode.journal_mode})`);
  }
  db.run("PRAGMA synchronous = FULL");
  db.run("PRAGMA foreign_keys = ON");
  db.run("PRAGMA temp_store = MEMORY");
  db.run("PRAGMA busy_timeout = 5000");
}

/** PRAGMA quick_check: a damaged database must not be written to. */
function checkIntegrity(db: Database, file: string): void {
  const rows = db
    .query("PRAGMA quick_check")
    .values()
    .map((row) => String(row[0]));
  if (rows.length === 1 && rows[0] === "ok") return;
  throw corrupt(file, rows.slice(0, 3).join("; "));
}

function corrupt(file: string, detail: string): StoreError {
  return new StoreError(
    "corrupt",
    `database ${file} is damaged (${detail}): stop the server and restore the data directory from a backup ` +
      "(or move the damaged file away to start with an empty store)",
  );
}

function openError(error: unknown, file: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CORRUPT_CODES.has(code)) return corrupt(file, errorMessage(error));
  return new StoreError(
    "io",
    `cannot open database ${file} (${errorMessage(error)}): check that its directory exists and the server's user can write it`,
    { cause: error },
  );
}

/** A connection's durability settings, for the start-up log line and for tests. */
export interface DatabaseSettings {
  journalMode: string;
  synchronous: string;
  foreignKeys: boolean;
}

export function databaseSettings(db: Database): DatabaseSettings {
  const pragma = (name: string) => String(db.query(`PRAGMA ${name}`).values()[0]?.[0]);
  const synchronous = ["off", "normal", "full", "extra"][Number(pragma("synchronous"))] ?? "unknown";
  return { journalMode: pragma("journal_mode"), synchronous, foreignKeys: pragma("foreign_keys") === "1" };
}
