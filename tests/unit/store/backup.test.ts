import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { QuotaEvent } from "../../../src/store/ports.ts";
import { listBackups } from "../../../src/store/sqlite/backup-files.ts";
import type { BackupResult } from "../../../src/store/sqlite/create-backup.ts";
import { DATABASE_FILE } from "../../../src/store/sqlite/open-database.ts";
import { restoreBackup } from "../../../src/store/sqlite/restore-backup.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { addDevices, id, numbersOf, sendWork, T0 } from "./store-fixtures.ts";

async function withDirs(body: (root: string) => Promise<void>): Promise<void> {
  const dir = tempDir("norc-backup-");
  try {
    await body(dir.path);
  } finally {
    dir.cleanup();
  }
}

async function storeWith(dataDir: string, messages: number): Promise<SqliteStore> {
  const store = SqliteStore.open(dataDir);
  await addDevices(store, 2);
  await Promise.all(
    Array.from({ length: messages }, (_, i) => store.commit(sendWork(i + 1, 1, 2, { size: 512 }))),
  );
  return store;
}

test.each([false, true])(
  "a backup taken while writes go on restores into a working store (zstd: %p)",
  async (compress) => {
    await withDirs(async (root) => {
      const store = await storeWith(join(root, "live"), 200);
      const backupDir = join(root, "backups");
      const backingUp = store.backup({ dir: backupDir, compress, nowMs: T0 });
      const during = Promise.all(
        Array.from({ length: 50 }, (_, i) => store.commit(sendWork(1000 + i, 1, 2))),
      );
      const [result] = await Promise.all([backingUp, during]);
      await store.close();
      expect(basename(result.path)).toBe(`norc-backup-20231114T221320000Z.db${compress ? ".zst" : ""}`);
      expect(readdirSync(backupDir)).toEqual([basename(result.path)]);
      expect(readFileSync(result.path).subarray(0, 4)).toEqual(
        Buffer.from(compress ? [0x28, 0xb5, 0x2f, 0xfd] : Buffer.from("SQLi")),
      );
      const restoredDir = join(root, "restored");
      expect(
        restoreBackup({
          backupFile: result.path,
          dataDir: restoredDir,
          lockFile: join(restoredDir, "x.lock"),
        }),
      ).toEqual({});
      const restored = SqliteStore.open(restoredDir);
      try {
        const numbers = numbersOf(await restored.mailboxPage(id(2), 0, 1000));
        expect(numbers.slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(await restored.commit(sendWork(5, 1, 2))).toMatchObject({ status: "duplicate" });
        expect((await restored.queueStats(id(2))).frames).toBe(numbers.length);
      } finally {
        await restored.close();
      }
    });
  },
);

test("backups are pruned to the newest `keep`, and their bytes count against the quota", async () => {
  await withDirs(async (root) => {
    const events: QuotaEvent[] = [];
    const backupDir = join(root, "backups");
    const store = SqliteStore.open(join(root, "live"), {
      backupDir,
      quotaBytes: 1 << 30,
      onQuotaEvent: (e) => events.push(e),
    });
    try {
      await addDevices(store, 2);
      const before = store.usage.usedBytes;
      const results: BackupResult[] = [];
      for (let n = 0; n < 4; n++)
        results.push(await store.backup({ dir: backupDir, keep: 2, nowMs: T0 + n * 1000 }));
      expect(listBackups(backupDir).map((b) => b.path)).toEqual([
        results[2]?.path ?? "",
        results[3]?.path ?? "",
      ]);
      expect(results[2]?.pruned).toEqual([results[0]?.path ?? ""]);
      expect(existsSync(results[1]?.path ?? "")).toBe(false);
      const backupBytes = (results[2]?.bytes ?? 0) + (results[3]?.bytes ?? 0);
      expect(results[3]?.keptBytes).toBe(backupBytes);
      expect(store.usage.usedBytes).toBeGreaterThanOrEqual(before + backupBytes - 4096);
    } finally {
      await store.close();
    }
    const reopened = SqliteStore.open(join(root, "live"), { backupDir });
    expect(reopened.usage.backupBytes).toBe(listBackups(backupDir).reduce((t, b) => t + b.bytes, 0));
    await reopened.close();
  });
});

test("restore refuses while the lock names a live process, and keeps the replaced database beside it", async () => {
  await withDirs(async (root) => {
    const store = await storeWith(join(root, "live"), 3);
    const { path } = await store.backup({ dir: join(root, "backups") });
    await store.commit(sendWork(4, 1, 2));
    await store.close();
    const lockFile = join(root, "norc.lock");
    writeFileSync(lockFile, `${process.pid}\n`);
    const dataDir = join(root, "live");
    expect(() => restoreBackup({ backupFile: path, dataDir, lockFile })).toThrow(
      `the server is running (pid ${process.pid} holds ${lockFile}): stop it before restoring a backup`,
    );
    writeFileSync(lockFile, "999999999\n");
    const { replaced } = restoreBackup({ backupFile: path, dataDir, lockFile, nowMs: 5 });
    expect(replaced).toBe(join(dataDir, `${DATABASE_FILE}.replaced-5`));
    const old = new Database(replaced ?? "", { readonly: true });
    expect(old.query("SELECT count(*) FROM entries").values()).toEqual([[4]]);
    old.close();
    const restored = SqliteStore.open(dataDir);
    expect(numbersOf(await restored.mailboxPage(id(2), 0, 10))).toEqual([1, 2, 3]);
    await restored.close();
  });
});

test("restore refuses a damaged backup and one from a newer schema, changing nothing", async () => {
  await withDirs(async (root) => {
    const store = await storeWith(join(root, "live"), 2);
    const { path } = await store.backup({ dir: join(root, "backups") });
    await store.close();
    const dataDir = join(root, "live");
    const lockFile = join(root, "none.lock");
    const garbage = join(root, "garbage.db");
    writeFileSync(garbage, "not a database ".repeat(400));
    expect(() => restoreBackup({ backupFile: garbage, dataDir, lockFile })).toThrow(
      `backup ${garbage} cannot be restored`,
    );
    const newer = new Database(path);
    newer.run("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (999, 0)");
    newer.close();
    expect(() => restoreBackup({ backupFile: path, dataDir, lockFile })).toThrow(
      /schema version 999 is newer/,
    );
    expect(readdirSync(dataDir).sort()).toEqual([DATABASE_FILE]);
    const live = SqliteStore.open(dataDir);
    expect(numbersOf(await live.mailboxPage(id(2), 0, 10))).toEqual([1, 2]);
    await live.close();
  });
});

test("close waits for a backup still running", async () => {
  await withDirs(async (root) => {
    const store = await storeWith(join(root, "live"), 50);
    const backingUp = store.backup({ dir: join(root, "backups") });
    await store.close();
    expect(listBackups(join(root, "backups"))).toHaveLength(1);
    expect((await backingUp).bytes).toBeGreaterThan(0);
    await expect(store.backup({ dir: join(root, "backups") })).rejects.toMatchObject({ code: "closed" });
  });
});
