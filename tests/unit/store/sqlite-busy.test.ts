import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { STORE_FILE } from "../../../src/config/data-dir.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { addDevices, id, sendWork } from "./store-fixtures.ts";

test("sqlite: while another process holds the write lock a commit fails after busyTimeoutMs, stores nothing, and works once it is released", async () => {
  const dir = tempDir("norc-store-busy-");
  const store = SqliteStore.open(dir.path, { busyTimeoutMs: 20 });
  const other = new Database(join(dir.path, STORE_FILE));
  try {
    await addDevices(store, 2);
    other.run("BEGIN IMMEDIATE");
    const held = await store.commit(sendWork(1, 1, 2)).then(
      (outcome) => outcome.status,
      () => "failed",
    );
    expect(held).toBe("failed");
    other.run("ROLLBACK");
    expect(await store.getSeen(id(1, 1))).toBeUndefined();
    expect((await store.commit(sendWork(1, 1, 2))).status).toBe("ok");
  } finally {
    other.close();
    await store.close();
    dir.cleanup();
  }
});
