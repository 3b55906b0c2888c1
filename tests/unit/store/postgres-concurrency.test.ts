import { beforeAll, expect, test } from "bun:test";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import type { QueueEntry } from "../../../src/store/records.ts";
import { postgresServer } from "../../helpers/postgres.ts";
import { migratedDatabase } from "./postgres-fixture.ts";
import { addDevices, id, numbersOf, sendWork } from "./store-fixtures.ts";

// Several stores on one database behave like instances of a cluster: their commits run
// concurrently on separate pools, ordered only by Postgres itself.

/** Generous: the machine is shared, and these tests make hundreds of round trips. */
const SLOW_MS = 60_000;

beforeAll(() => postgresServer(), SLOW_MS);

async function instances(count: number): Promise<PostgresStore[]> {
  const url = await migratedDatabase();
  return await Promise.all(Array.from({ length: count }, () => openPostgresStore({ url, poolSize: 8 })));
}

async function closeAll(stores: PostgresStore[]): Promise<void> {
  await Promise.all(stores.map((store) => store.close()));
}

test(
  "one recipient's seqs follow commit order across instances: a reader paging meanwhile misses nothing",
  async () => {
    const stores = await instances(4);
    const [reader] = stores as [PostgresStore];
    try {
      await addDevices(reader, 5);
      const perStore = 60;
      let writing = true;
      const read: QueueEntry[] = [];
      const paging = (async () => {
        let cursor = 0;
        for (;;) {
          const done = !writing;
          const page = await reader.mailboxPage(id(5), cursor, 50);
          read.push(...page);
          cursor = page.at(-1)?.seq ?? cursor;
          if (done && page.length === 0) return;
          if (page.length === 0) await Bun.sleep(1);
        }
      })();
      await Promise.all(
        stores.map((store, s) =>
          Promise.all(
            Array.from({ length: perStore }, (_, i) =>
              store.commit(sendWork(1 + s * perStore + i, 1 + s, 5)),
            ),
          ),
        ),
      );
      writing = false;
      await paging;
      const sent = Array.from({ length: stores.length * perStore }, (_, i) => i + 1);
      expect(numbersOf(read).sort((a, b) => a - b)).toEqual(sent);
      expect(read.map((e) => e.seq)).toEqual(read.map((e) => e.seq).sort((a, b) => a - b));
      expect(await reader.queueStats(id(5))).toEqual({ frames: sent.length, bytes: sent.length * 64 });
    } finally {
      await closeAll(stores);
    }
  },
  SLOW_MS,
);

test(
  "the same message id sent through two instances at once is stored once; the other is a duplicate",
  async () => {
    const stores = await instances(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    try {
      await addDevices(a, 3);
      for (let n = 1; n <= 20; n++) {
        const outcomes = await Promise.all([a.commit(sendWork(n, 1, 2)), b.commit(sendWork(n, 3, 2))]);
        expect(outcomes.map((o) => o.status).sort()).toEqual(["duplicate", "ok"]);
      }
      expect((await a.queueStats(id(2))).frames).toBe(20);
    } finally {
      await closeAll(stores);
    }
  },
  SLOW_MS,
);

test(
  "leases taken at once on several instances get distinct epochs; only the last one's acks delete",
  async () => {
    const stores = await instances(3);
    const [a] = stores as [PostgresStore];
    try {
      await addDevices(a, 2);
      await a.commit(sendWork(1, 1, 2));
      const taken = await Promise.all(stores.map((store, i) => store.takeLease(id(2), `i${i}`, 1000 + i)));
      const epochs = taken.map((t) => t.lease.epoch).sort();
      expect(epochs).toEqual([1, 2, 3]);
      expect(taken.filter((t) => t.previous === undefined)).toHaveLength(1);
      const [entry] = await a.mailboxPage(id(2), 0, 1);
      const ack = (epoch: number) => ({
        guards: [{ type: "leaseEpoch" as const, device: id(2), epoch }],
        writes: [{ type: "deleteEntry" as const, recipient: id(2), seq: entry?.seq ?? 0 }],
      });
      const acks = await Promise.all(stores.map((store, i) => store.commit(ack(epochs[i] ?? 0))));
      expect(acks.map((o) => o.status)).toEqual(["stale_lease", "stale_lease", "ok"]);
      expect((await a.queueStats(id(2))).frames).toBe(0);
    } finally {
      await closeAll(stores);
    }
  },
  SLOW_MS,
);
