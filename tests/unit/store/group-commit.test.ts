import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { GroupCommit } from "../../../src/store/sqlite/group-commit.ts";
import { DATABASE_FILE } from "../../../src/store/sqlite/open-database.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import { tempDir } from "../../helpers/binary.ts";
import { addDevices, entry, id, numbersOf, sendWork } from "./store-fixtures.ts";

async function withSqlite(body: (store: SqliteStore, dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir("norc-group-");
  const store = SqliteStore.open(dir.path);
  try {
    await body(store, dir.path);
  } finally {
    await store.close();
    dir.cleanup();
  }
}

test("600 concurrent commits to 6 devices share a few transactions, all land, in call order per device", async () => {
  await withSqlite(async (store) => {
    await addDevices(store, 7);
    const before = store.groupStats();
    const outcomes = await Promise.all(
      Array.from({ length: 600 }, (_, i) => store.commit(sendWork(i + 1, 7, (i % 6) + 1))),
    );
    expect(outcomes.every((o) => o.status === "ok")).toBe(true);
    const after = store.groupStats();
    expect(after.tasks - before.tasks).toBe(600);
    expect(after.batches - before.batches).toBeLessThanOrEqual(2);
    for (let device = 1; device <= 6; device++) {
      const expected = Array.from({ length: 100 }, (_, k) => k * 6 + device);
      expect(numbersOf(await store.mailboxPage(id(device), 0, 1000))).toEqual(expected);
    }
  });
});

test("in one batch a refused work and a failing work store nothing while the others land", async () => {
  await withSqlite(async (store) => {
    await addDevices(store, 2);
    await store.commit(sendWork(1, 1, 2));
    const before = store.groupStats().batches;
    const failing = {
      writes: [...sendWork(3, 1, 2).writes, { type: "enqueue" as const, entry: entry(4, 1, 9) }],
    };
    const results = await Promise.allSettled([
      store.commit(sendWork(2, 1, 2)),
      store.commit(sendWork(1, 1, 2)),
      store.commit(failing),
      store.commit(sendWork(5, 1, 2)),
    ]);
    expect(store.groupStats().batches - before).toBe(1);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value.status : "rejected"))).toEqual([
      "ok",
      "duplicate",
      "rejected",
      "ok",
    ]);
    expect(results[2]).toMatchObject({ reason: expect.any(StoreError) });
    expect(await store.getSeen(id(3, 1))).toBeUndefined();
    expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1, 2, 5]);
    expect(await store.queueStats(id(2))).toMatchObject({ frames: 3 });
  });
});

test("a commit resolves only once its batch is committed: another connection already sees it", async () => {
  await withSqlite(async (store, dir) => {
    await addDevices(store, 2);
    const reader = new Database(join(dir, DATABASE_FILE), { readonly: true });
    const count = reader.query<{ n: number }, [number]>("SELECT count(*) AS n FROM entries WHERE seq = ?");
    try {
      const seen = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store
            .commit(sendWork(i + 1, 1, 2))
            .then((o) => (o.status === "ok" ? count.get(o.seqs[0] ?? 0)?.n : -1)),
        ),
      );
      expect(seen).toEqual(Array.from({ length: 50 }, () => 1));
    } finally {
      count.finalize();
      reader.close();
    }
  });
});

test("a batch whose COMMIT fails rejects every task in it, stores nothing and undoes its in-memory changes", async () => {
  const db = new Database(":memory:");
  db.run("CREATE TABLE t (x INTEGER)");
  let failNext = true;
  const group = new GroupCommit(db, {
    beforeCommit: () => {
      if (failNext) throw new Error("disk I/O error");
    },
  });
  const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
  const inMemory = new Set<number>();
  const task = (x: number) => () => {
    inMemory.add(x);
    group.undo.push(() => inMemory.delete(x));
    return insert.run(x).changes;
  };
  const results = await Promise.allSettled([1, 2, 3].map((x) => group.run(task(x))));
  expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
  expect([...inMemory]).toEqual([]);
  expect(results[0]).toMatchObject({
    reason: { code: "io", message: expect.stringContaining("nothing stored") },
  });
  failNext = false;
  expect(await group.run(task(4))).toBe(1);
  expect(db.query("SELECT x FROM t").values()).toEqual([[4]]);
  expect([...inMemory]).toEqual([4]);
  insert.finalize();
  group.finalize();
  db.close(true);
});

test("a queue longer than the batch limit is split into batches that keep call order", async () => {
  const db = new Database(":memory:");
  db.run("CREATE TABLE t (x INTEGER)");
  const group = new GroupCommit(db, {}, 10);
  const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
  await Promise.all(Array.from({ length: 25 }, (_, x) => group.run(() => insert.run(x))));
  expect(group.stats()).toEqual({ batches: 3, tasks: 25, largestBatch: 10 });
  expect(db.query("SELECT x FROM t ORDER BY rowid").values().flat()).toEqual(
    Array.from({ length: 25 }, (_, x) => x),
  );
  await group.idle();
  insert.finalize();
  group.finalize();
  db.close(true);
});
