import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backupContents, listBackups, verifyDatabaseFile } from "../../src/store/sqlite/backup.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { freePort } from "../helpers/binary.ts";
import {
  cleanupInstances,
  cli,
  eventually,
  instanceDir,
  pidFromFile,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";
import { device, sendWork } from "../unit/store/store-fixtures.ts";

afterEach(cleanupInstances);

/** A data dir with `messages` 1 KiB queued messages, written with the store itself. */
async function populate(dir: string, messages: number): Promise<void> {
  const store = SqliteStore.open(join(dir, "data"));
  await store.commit({
    writes: [
      { type: "putDevice", device: device(1) },
      { type: "putDevice", device: device(2) },
    ],
  });
  for (let n = 0; n < messages; n += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.commit(sendWork(n + i + 1, 1, 2, { size: 1024 }))),
    );
  }
  await store.close();
}

async function queuedFor2(dataDir: string): Promise<number> {
  const store = SqliteStore.open(dataDir);
  try {
    return (await store.queueStats(device(2).id)).frames;
  } finally {
    await store.close();
  }
}

test("flipped bytes in the database: start refuses naming the file and the restore command; restore brings it back", async () => {
  const dir = instanceDir("norc-store-");
  writeInstanceConfig(dir, await freePort(), "");
  await populate(dir, 1000);
  const backup = await cli(dir, "-c", "config.toml", "backup");
  expect(backup.exitCode).toBe(0);
  const [made] = listBackups(join(dir, "data", "backups"));
  expect(backup.stderr).toContain(`backup written: ${made?.file}`);

  const db = join(dir, "data", "norc.db");
  const bytes = readFileSync(db);
  for (let i = 8192; i < 16384; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
  writeFileSync(db, bytes);
  const refused = await cli(dir, "-c", "config.toml", "start");
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toContain(`database ${db} is damaged`);
  expect(refused.stderr).toContain(`norc-server restore ${made?.file}`);

  const restored = await cli(dir, "-c", "config.toml", "restore", made?.file as string);
  expect(restored.exitCode).toBe(0);
  expect(restored.stderr).toContain("the previous database is kept as");
  expect(await queuedFor2(join(dir, "data"))).toBe(1000);
  const started = await cli(dir, "-c", "config.toml", "start", "-d");
  expect(started.exitCode).toBe(0);
  const whileRunning = await cli(dir, "-c", "config.toml", "restore", made?.file as string);
  expect(whileRunning.exitCode).toBe(1);
  expect(whileRunning.stderr).toContain("stop it first");
  expect((await cli(dir, "-c", "config.toml", "stop")).exitCode).toBe(0);
}, 60_000);

test("scheduled backups (fractional hours) keep exactly backup_retention verified copies; kill -9 mid-backup leaves no counted half", async () => {
  const dir = instanceDir("norc-store-");
  const storage = "\n[storage]\nbackup_interval_hours = 0.0003\nbackup_retention = 2\n";
  writeInstanceConfig(dir, await freePort(), "");
  writeFileSync(join(dir, "config.toml"), readFileSync(join(dir, "config.toml"), "utf8") + storage);
  await populate(dir, 20_000);
  const backups = join(dir, "data", "backups");
  for (let round = 0; round < 3; round++) {
    const start = await cli(dir, "-c", "config.toml", "start", "-d");
    expect([round, start.exitCode, start.stderr]).toEqual([round, 0, expect.any(String)]);
    const pid = pidFromFile(dir) as number;
    // Killed while a backup is being written: its partial file is there.
    expect(await eventually(() => partials(backups).length > 0, 15_000)).toBe(true);
    process.kill(pid, "SIGKILL");
    expect(partials(backups).length).toBeGreaterThan(0);
    await eventually(() => pidFromFile(dir) === undefined || !isAlive(pid), 5_000);
    for (const kept of listBackups(backups)) verifyBackup(kept.file, dir);
  }
  expect(await queuedFor2(join(dir, "data"))).toBe(20_000);
  expect((await cli(dir, "-c", "config.toml", "start", "-d")).exitCode).toBe(0);
  expect(
    await eventually(
      () => listBackups(backups).length === 2 && !readdirSync(backups).some((n) => n.startsWith(".partial")),
      10_000,
    ),
  ).toBe(true);
  const log = readFileSync(join(dir, "server.log"), "utf8");
  expect(log).toMatch(/backup written: \S+norc-\d{8}T\d{9}Z\.db\.zst \(\d+ bytes from \d+, \d+ ms\)/);
  expect((await cli(dir, "-c", "config.toml", "stop")).exitCode).toBe(0);
  expect(listBackups(backups).length).toBe(2);
}, 90_000);

function partials(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.startsWith(".partial"));
  } catch {
    return [];
  }
}

/** Opens a backup's contents (decompressed) and runs the integrity check: throws if it is not whole. */
function verifyBackup(file: string, dir: string): void {
  const plain = join(dir, "check.db");
  writeFileSync(plain, backupContents(file));
  verifyDatabaseFile(plain);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("reload applies the storage keys live: a lower quota is reported full at once, the backup schedule starts", async () => {
  const dir = instanceDir("norc-store-");
  const port = await freePort();
  writeInstanceConfig(dir, port, "");
  await populate(dir, 2000);
  expect((await cli(dir, "-c", "config.toml", "start", "-d")).exitCode).toBe(0);
  writeInstanceConfig(dir, port, "");
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    `${readFileSync(config, "utf8")}\n[storage]\nmax_disk_usage_mb = 1\nbackup_interval_hours = 0.0003\n`,
  );
  const reload = await cli(dir, "-c", "config.toml", "reload");
  expect(reload.exitCode).toBe(0);
  expect(reload.stdout + reload.stderr).toContain("storage.max_disk_usage_mb, storage.backup_interval_hours");
  const backups = join(dir, "data", "backups");
  expect(await eventually(() => listBackups(backups).length > 0, 10_000)).toBe(true);
  expect((await cli(dir, "-c", "config.toml", "stop")).exitCode).toBe(0);
  const log = readFileSync(join(dir, "server.log"), "utf8");
  expect(log).toMatch(/storage full: [\d.]+ MiB of 1 MiB \(storage\.max_disk_usage_mb\)/);
}, 60_000);
