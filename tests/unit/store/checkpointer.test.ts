import { expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { DATABASE_FILE } from "../../../src/store/sqlite/open-database.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { addDevices, id, numbersOf, sendWork } from "./store-fixtures.ts";

const DEADLINE_MS = 10_000;

async function databaseBytesAfterWrites(backgroundCheckpoint: boolean): Promise<number> {
  const dir = tempDir("norc-checkpoint-");
  const store = SqliteStore.open(dir.path, { backgroundCheckpoint });
  try {
    await addDevices(store, 2);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.commit(sendWork(i + 1, 1, 2, { size: 1024 }))),
    );
    const file = join(dir.path, DATABASE_FILE);
    const deadline = Date.now() + (backgroundCheckpoint ? DEADLINE_MS : 300);
    while (statSync(file).size < 300 * 1024 && Date.now() < deadline) await Bun.sleep(20);
    expect(numbersOf(await store.mailboxPage(id(2), 0, 1000))).toHaveLength(300);
    return statSync(file).size;
  } finally {
    await store.close();
    dir.cleanup();
  }
}

test("the background checkpointer copies committed pages from the WAL into the database file", async () => {
  expect(await databaseBytesAfterWrites(true)).toBeGreaterThan(300 * 1024);
});

test("without it, 300 KiB of commits stay in the WAL (below the inline auto-checkpoint size)", async () => {
  expect(await databaseBytesAfterWrites(false)).toBeLessThan(64 * 1024);
});
