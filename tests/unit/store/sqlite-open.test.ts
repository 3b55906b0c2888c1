import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { migrate, schemaVersion } from "../../../src/store/sqlite/migrate.ts";
import { DATABASE_FILE } from "../../../src/store/sqlite/open-database.ts";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../../src/store/sqlite/schema.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { addDevices, sendWork } from "./store-fixtures.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir("norc-store-");
  try {
    await body(dir.path);
  } finally {
    dir.cleanup();
  }
}

test("a new data dir gets a WAL database with synchronous=FULL, foreign keys on and the latest schema; close checkpoints", async () => {
  await withDir(async (dir) => {
    const store = SqliteStore.open(join(dir, "data"));
    expect(store.settings()).toEqual({ journalMode: "wal", synchronous: "full", foreignKeys: true });
    await addDevices(store, 1);
    await store.close();
    expect(existsSync(join(dir, "data", `${DATABASE_FILE}-wal`))).toBe(false);
    const db = new Database(join(dir, "data", DATABASE_FILE), { readonly: true });
    expect(db.query("PRAGMA journal_mode").values()).toEqual([["wal"]]);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });
});

test("a database with a newer schema is refused untouched, naming the file and what to do", async () => {
  await withDir(async (dir) => {
    await SqliteStore.open(dir).close();
    const file = join(dir, DATABASE_FILE);
    const db = new Database(file);
    db.run("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, 0)", [
      LATEST_SCHEMA_VERSION + 1,
    ]);
    db.close();
    const opening = () => SqliteStore.open(dir);
    expect(opening).toThrow(`database ${file} has schema version ${LATEST_SCHEMA_VERSION + 1}, newer than`);
    expect(opening).toThrow(/run the newer norc-server that wrote it, or restore a backup/);
    const after = new Database(file, { readonly: true });
    expect(schemaVersion(after)).toBe(LATEST_SCHEMA_VERSION + 1);
    after.close();
  });
});

test("a file that is not a database refuses to open, naming it and telling to restore from a backup", async () => {
  await withDir(async (dir) => {
    const file = join(dir, DATABASE_FILE);
    writeFileSync(file, "not a database ".repeat(500));
    expect(() => SqliteStore.open(dir)).toThrow(`database ${file} is damaged`);
    expect(() => SqliteStore.open(dir)).toThrow(/restore the data directory from a backup/);
    expect(readFileSync(file, "utf8")).toStartWith("not a database");
  });
});

test("a database with damaged pages fails quick_check at open and refuses to open", async () => {
  await withDir(async (dir) => {
    const store = SqliteStore.open(dir);
    await addDevices(store, 2);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.commit(sendWork(i + 1, 1, 2, { size: 1024 }))),
    );
    await store.close();
    const file = join(dir, DATABASE_FILE);
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(16 * 4096);
    bytes.fill(0x5a, 2 * 4096, 12 * 4096);
    writeFileSync(file, bytes);
    let error: unknown;
    try {
      SqliteStore.open(dir).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: "StoreError", code: "corrupt" });
    expect(String((error as Error).message)).toContain(`database ${file} is damaged`);
  });
});

test("migrations run in order, each in its own transaction; a failing step keeps the version before it", async () => {
  await withDir(async (dir) => {
    const db = new Database(join(dir, "m.db"));
    const next = LATEST_SCHEMA_VERSION + 1;
    const second = { version: next, sql: "CREATE TABLE extra (x INTEGER)" };
    const broken = {
      version: next + 1,
      sql: "CREATE TABLE more (y INTEGER); CREATE TABLE extra (x INTEGER)",
    };
    expect(migrate(db, "m.db", [...MIGRATIONS, second])).toBe(next);
    expect(() => migrate(db, "m.db", [...MIGRATIONS, second, broken])).toThrow(/already exists/);
    expect(schemaVersion(db)).toBe(next);
    expect(db.query("SELECT name FROM sqlite_schema WHERE name IN ('extra', 'more')").values()).toEqual([
      ["extra"],
    ]);
    db.close();
  });
});

test("a data dir that cannot be created is an io error naming the database file", async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, "taken"), "");
    const file = join(dir, "taken", "data", DATABASE_FILE);
    expect(() => SqliteStore.open(join(dir, "taken", "data"))).toThrow(`cannot open database ${file}`);
    mkdirSync(join(dir, "ok"));
    await SqliteStore.open(join(dir, "ok")).close();
  });
});
