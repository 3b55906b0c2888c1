import { expect, test } from "bun:test";
import type { QuotaEvent } from "../../../src/store/ports.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import { addDevices, type FixtureFactory, id, numbersOf, sendWork, T0, withStore } from "./store-fixtures.ts";

const QUOTA_BYTES = 1 << 20;
const MAX_SENDS = 5000;

/** Quota refusals, close, and (for durable stores) reopening with everything kept. */
export function lifecycleContract(makeFixture: FixtureFactory): void {
  test("over the quota new messages get disk_full and store nothing; acks still work; one event per crossing", async () => {
    const events: QuotaEvent[] = [];
    await withStore(
      makeFixture,
      async (store) => {
        await addDevices(store, 2);
        let n = 0;
        let outcome = await store.commit(sendWork(++n, 1, 2, { size: 1024 }));
        while (outcome.status === "ok" && n < MAX_SENDS)
          outcome = await store.commit(sendWork(++n, 1, 2, { size: 1024 }));
        expect(outcome).toMatchObject({ status: "disk_full", limitBytes: QUOTA_BYTES });
        const stats = await store.queueStats(id(2));
        expect(stats.frames).toBe(n - 1);
        expect(await store.getSeen(id(n, 1))).toBeUndefined();
        expect((await store.commit(sendWork(n + 1, 1, 2, { size: 1024 }))).status).toBe("disk_full");
        expect(events.map((e) => e.level)).toEqual(["warning", "full"]);
        expect(events[1]?.usedBytes).toBeGreaterThanOrEqual(QUOTA_BYTES);
        const [first] = await store.mailboxPage(id(2), 0, 1);
        const ack = await store.commit({
          writes: [{ type: "deleteEntry", recipient: id(2), seq: first?.seq ?? 0 }],
        });
        expect(ack.status).toBe("ok");
        expect((await store.queueStats(id(2))).frames).toBe(n - 2);
      },
      { quotaBytes: QUOTA_BYTES, onQuotaEvent: (event) => events.push(event) },
    );
  });

  test("after close every call rejects with StoreError", async () => {
    const fixture = makeFixture();
    try {
      const store = await fixture.open();
      await addDevices(store, 2);
      const pending = store.commit(sendWork(1, 1, 2));
      await store.close();
      expect((await pending).status).toBe("ok");
      await expect(store.commit(sendWork(2, 1, 2))).rejects.toMatchObject({ code: "closed" });
      await expect(store.getDevice(id(1))).rejects.toBeInstanceOf(StoreError);
    } finally {
      await fixture.cleanup();
    }
  });

  test("a durable store keeps every record across close and reopen, and seqs keep growing", async () => {
    const fixture = makeFixture();
    if (!fixture.durable) {
      await fixture.cleanup();
      return;
    }
    try {
      const store = await fixture.open();
      await addDevices(store, 2);
      for (const n of [1, 2, 3]) await store.commit(sendWork(n, 1, 2));
      const presence = { device: id(1), status: 1, frame: new Uint8Array([1, 2, 3]), atMs: T0 };
      await store.commit({ writes: [{ type: "putPresence", presence }] });
      const before = await store.mailboxPage(id(2), 0, 10);
      await store.commit({
        writes: [{ type: "deleteEntry", recipient: id(2), seq: before.at(-1)?.seq ?? 0 }],
      });
      await store.close();
      const reopened = await fixture.open();
      try {
        expect(await reopened.mailboxPage(id(2), 0, 10)).toEqual(before.slice(0, 2));
        expect(await reopened.getDevice(id(2))).toMatchObject({ userId: "alice", state: "active" });
        expect(await reopened.queueStats(id(2))).toEqual({ frames: 2, bytes: 128 });
        expect(await reopened.getSeen(id(3, 1))).toMatchObject({ sender: id(1) });
        expect(await reopened.commit(sendWork(3, 1, 2))).toMatchObject({ status: "duplicate" });
        expect(await reopened.findEntry(id(2), id(2, 1))).toEqual(before[1]);
        expect(await reopened.contactsOf(id(2), 0)).toEqual([{ peer: id(1), lastAtMs: T0 + 1 }]);
        expect(await reopened.getPresence(id(1))).toEqual(presence);
        const next = await reopened.commit(sendWork(4, 1, 2));
        expect(next.status === "ok" && (next.seqs[0] ?? 0) > (before.at(-1)?.seq ?? 0)).toBe(true);
        expect(numbersOf(await reopened.mailboxPage(id(2), 0, 10))).toEqual([1, 2, 4]);
      } finally {
        await reopened.close();
      }
    } finally {
      await fixture.cleanup();
    }
  });
}
