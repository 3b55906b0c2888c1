import { beforeAll, expect, test } from "bun:test";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import { postgresServer, startPostgres, stopPostgres } from "../../helpers/postgres.ts";
import { migratedDatabase } from "./postgres-fixture.ts";
import { addDevices, id, numbersOf, sendWork } from "./store-fixtures.ts";

// "Postgres goes away and comes back": the harness stops and starts the process's test server.

const SLOW_MS = 60_000;

beforeAll(() => postgresServer(), SLOW_MS);

async function whileStopped(body: () => Promise<void>, mode: "fast" | "immediate" = "fast"): Promise<void> {
  await stopPostgres(mode);
  try {
    await body();
  } finally {
    await startPostgres();
  }
}

test(
  "a write while Postgres is down rejects (io, naming host:port) and stores nothing; the store recovers by itself, also after a crash",
  async () => {
    const { port } = await postgresServer();
    const store = await openPostgresStore({
      url: await migratedDatabase(),
      poolSize: 4,
      connectTimeoutSecs: 2,
    });
    try {
      await addDevices(store, 2);
      await store.commit(sendWork(1, 1, 2));
      expect(await store.reachable()).toBe(true);
      await whileStopped(async () => {
        const failed = store.commit(sendWork(2, 1, 2));
        await expect(failed).rejects.toBeInstanceOf(StoreError);
        await expect(failed).rejects.toMatchObject({
          code: "io",
          message: expect.stringContaining(`127.0.0.1:${port}/`),
        });
        await expect(store.mailboxPage(id(2), 0, 10)).rejects.toMatchObject({ code: "io" });
        expect(await store.reachable()).toBe(false);
      });
      expect(await store.commit(sendWork(3, 1, 2))).toMatchObject({ status: "ok" });
      expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1, 3]);
      expect(await store.getSeen(id(2, 1))).toBeUndefined();
      expect(await store.reachable()).toBe(true);
      await whileStopped(async () => {}, "immediate");
      expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1, 3]);
      expect(await store.commit(sendWork(2, 1, 2))).toMatchObject({ status: "ok" });
    } finally {
      await store.close();
    }
  },
  SLOW_MS,
);

test(
  "hints: listening again after Postgres comes back calls onListening again, and hints flow",
  async () => {
    const store = await openPostgresStore({
      url: await migratedDatabase(),
      poolSize: 2,
      connectTimeoutSecs: 2,
    });
    try {
      const got: string[] = [];
      let listened = 0;
      const stop = await store.hints.listen(
        "norc_instance_a",
        (p) => got.push(p),
        () => listened++,
      );
      expect(listened).toBe(1);
      await whileStopped(async () => {
        await expect(store.hints.publish("norc_instance_a", "lost")).rejects.toMatchObject({ code: "io" });
      });
      const deadline = Date.now() + 30_000;
      while (listened < 2 && Date.now() < deadline) await Bun.sleep(20);
      expect(listened).toBe(2);
      await store.hints.publish("norc_instance_a", "after");
      while (got.length === 0 && Date.now() < deadline) await Bun.sleep(5);
      expect(got).toEqual(["after"]);
      await stop();
    } finally {
      await store.close();
    }
  },
  SLOW_MS,
);
