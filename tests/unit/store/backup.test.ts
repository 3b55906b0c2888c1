import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  backupName,
  listBackups,
  pruneBackups,
  restoreBackup,
  verifyDatabaseFile,
  writeBackup,
} from "../../../src/store/sqlite/backup.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { device, id, sendWork, T0 } from "./store-fixtures.ts";

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

/** A store in a temp data dir with two devices and `messages` queued messages, closed again. */
async function populated(messages: number): Promise<{ dataDir: string; dbFile: string; backups: string }> {
  const dir = tempDir("norc-backup-");
  dirs.push(dir);
  const store = SqliteStore.open(dir.path);
  await store.commit({
    writes: [
      { type: "putDevice", device: device(1) },
      { type: "putDevice", device: device(2) },
    ],
  });
  await Promise.all(
    Array.from({ length: messages }, (_, n) => store.commit(sendWork(n + 1, 1, 2, { size: 1024 }))),
  );
  await store.close();
  const backups = join(dir.path, "backups");
  mkdirSync(backups);
  return { dataDir: dir.path, dbFile: store.file, backups };
}

async function queued(dataDir: string): Promise<number> {
  const store = SqliteStore.open(dataDir);
  try {
    return (await store.queueStats(id(2))).frames;
  } finally {
    await store.close();
  }
}

test.each([false, true])(
  "a backup (compressed: %p) is verified, named by time, 0600, and restores every row",
  async (compress) => {
    const { dataDir, dbFile, backups } = await populated(200);
    const target = join(backups, backupName(T0, compress));
    const outcome = await writeBackup(dbFile, target, compress, T0);
    expect(outcome.file).toBe(target);
    expect(target.endsWith(compress ? "Z.db.zst" : "Z.db")).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(listBackups(backups)).toEqual([{ file: target, bytes: outcome.bytes, atMs: T0 }]);
    expect(readdirSync(backups)).toEqual([target.split("/").at(-1) as string]);

    writeFileSync(dbFile, "not a database any more");
    const aside = restoreBackup(target, dbFile, T0 + 1);
    expect(aside).toBe(`${dbFile}.before-restore-20231114T221320001Z`);
    expect(readFileSync(aside as string, "utf8")).toBe("not a database any more");
    expect(await queued(dataDir)).toBe(200);
  },
);

test("retention keeps the newest copies; partial files are never listed and are removed", async () => {
  const { dbFile, backups } = await populated(3);
  for (let i = 0; i < 4; i++)
    await writeBackup(dbFile, join(backups, backupName(T0 + i * 1000, true)), true, T0 + i);
  writeFileSync(join(backups, ".partial-99-1.db"), "half");
  expect(listBackups(backups).length).toBe(4);
  const kept = pruneBackups(backups, 2);
  expect(kept.map((b) => b.atMs)).toEqual([T0 + 2000, T0 + 3000]);
  expect(readdirSync(backups).sort()).toEqual(kept.map((b) => b.file.split("/").at(-1) as string));
});

test("a damaged backup is refused by restore and the current database stays in place", async () => {
  const { dataDir, dbFile, backups } = await populated(5);
  const target = join(backups, backupName(T0, false));
  await writeBackup(dbFile, target, false, T0);
  const bytes = readFileSync(target);
  bytes.fill(0x5a, 4096, 8192);
  writeFileSync(target, bytes);
  expect(() => verifyDatabaseFile(target)).toThrow(/integrity check|not a usable/);
  expect(() => restoreBackup(target, dbFile)).toThrow();
  expect(await queued(dataDir)).toBe(5);
  expect(readdirSync(dataDir).filter((name) => name.includes("partial"))).toEqual([]);
  expect(existsSync(`${dbFile}.before-restore`)).toBe(false);
});
