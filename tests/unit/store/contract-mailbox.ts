import { expect, test } from "bun:test";
import {
  addDevices,
  entry,
  type FixtureFactory,
  id,
  numbersOf,
  sendWork,
  withStore,
} from "./store-fixtures.ts";

/** Per-device FIFO queues: commit order, cursors, lookups, copies. */
export function mailboxContract(makeFixture: FixtureFactory): void {
  test("each device's queue is FIFO in commit order, paged after a cursor", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 3);
      for (let n = 1; n <= 10; n++) {
        expect((await store.commit(sendWork(n, 1, n % 2 === 0 ? 2 : 3))).status).toBe("ok");
      }
      const first = await store.mailboxPage(id(2), 0, 3);
      expect(numbersOf(first)).toEqual([2, 4, 6]);
      const rest = await store.mailboxPage(id(2), first.at(-1)?.seq ?? 0, 100);
      expect(numbersOf(rest)).toEqual([8, 10]);
      expect(numbersOf(await store.mailboxPage(id(3), 0, 100))).toEqual([1, 3, 5, 7, 9]);
      const seqs = [...first, ...rest].map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(await store.mailboxPage(id(1), 0, 100)).toEqual([]);
    });
  });

  test("commits started together land in call order, each with its own seq", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.commit(sendWork(i + 1, 1, 2))),
      );
      const seqs = outcomes.map((o) => (o.status === "ok" ? o.seqs[0] : -1));
      expect(new Set(seqs).size).toBe(50);
      expect(seqs).toEqual([...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)));
      const page = await store.mailboxPage(id(2), 0, 100);
      expect(numbersOf(page)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(page.map((e) => e.seq)).toEqual(seqs as number[]);
    });
  });

  test("an entry reads back byte for byte, and changing the caller's buffers changes nothing stored", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      const queued = entry(7, 1, 2, { kind: "receipt", size: 1000 });
      const expected = structuredClone(queued);
      await store.commit({ writes: [{ type: "enqueue", entry: queued }] });
      queued.frame.fill(0);
      queued.messageId.fill(0);
      const [read] = await store.mailboxPage(id(2), 0, 10);
      expect(read).toEqual({ ...expected, seq: read?.seq ?? -1 });
      read?.frame.fill(1);
      expect((await store.findEntry(id(2), expected.messageId))?.frame).toEqual(expected.frame);
    });
  });

  test("findEntry finds a queued entry by recipient and message id; stats count frames and bytes", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 3);
      await store.commit(sendWork(1, 1, 2, { size: 100 }));
      await store.commit({
        writes: [{ type: "enqueue", entry: entry(2, 3, 2, { kind: "receipt", size: 50 }) }],
      });
      expect((await store.findEntry(id(2), id(1, 1)))?.sender).toEqual(id(1));
      expect(await store.findEntry(id(3), id(1, 1))).toBeUndefined();
      expect(await store.findEntry(id(2), id(9, 1))).toBeUndefined();
      expect(await store.queueStats(id(2))).toEqual({ frames: 2, bytes: 150 });
      expect(await store.queueStats(id(3))).toEqual({ frames: 0, bytes: 0 });
    });
  });

  test("an ack deletes its entry (only in its own queue) and queues the receipt in one unit of work; seqs are never reused", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      await store.commit(sendWork(1, 1, 2));
      const last = await store.commit(sendWork(2, 1, 2));
      const lastSeq = last.status === "ok" ? (last.seqs[0] ?? 0) : 0;
      const receipt = entry(3, 2, 1, { kind: "receipt" });
      const acked = await store.commit({
        writes: [
          { type: "deleteEntry", recipient: id(2), seq: lastSeq },
          { type: "enqueue", entry: receipt },
        ],
      });
      expect(acked.status).toBe("ok");
      expect(acked.status === "ok" && (acked.seqs[0] ?? 0) > lastSeq).toBe(true);
      expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1]);
      expect(await store.mailboxPage(id(1), 0, 10)).toMatchObject([{ kind: "receipt", sender: id(2) }]);
      const [kept] = await store.mailboxPage(id(2), 0, 1);
      await store.commit({ writes: [{ type: "deleteEntry", recipient: id(1), seq: kept?.seq ?? 0 }] });
      expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1]);
      const again = await store.commit({ writes: [{ type: "deleteEntry", recipient: id(2), seq: lastSeq }] });
      expect(again).toEqual({ status: "ok", seqs: [] });
      expect(await store.queueStats(id(2))).toMatchObject({ frames: 1 });
    });
  });
}
