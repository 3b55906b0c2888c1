import { expect, test } from "bun:test";
import type { Store } from "../../../src/store/ports.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import type { Write } from "../../../src/store/work.ts";
import {
  addDevices,
  device,
  entry,
  type FixtureFactory,
  id,
  numbersOf,
  sendWork,
  T0,
  withStore,
} from "./store-fixtures.ts";

/** What a refused or failed send leaves behind: nothing at all. */
async function expectNothingOf(store: Store, n: number, sender: number, recipient: number): Promise<void> {
  expect(await store.findEntry(id(recipient), id(n, 1))).toBeUndefined();
  expect(await store.getSeen(id(n, 1))).toBeUndefined();
  expect(await store.contactsOf(id(sender), 0)).toEqual([]);
}

/** The unit of work: all or nothing, one outcome per refusal. */
export function unitOfWorkContract(makeFixture: FixtureFactory): void {
  test("a send stores its entry, its seen record and the contact pair (both ways) together", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      expect(await store.commit(sendWork(1, 1, 2))).toMatchObject({
        status: "ok",
        seqs: [expect.any(Number)],
      });
      expect(await store.getSeen(id(1, 1))).toEqual({
        messageId: id(1, 1),
        sender: id(1),
        recipient: id(2),
        atMs: T0 + 1,
      });
      expect(await store.contactsOf(id(1), 0)).toEqual([{ peer: id(2), lastAtMs: T0 + 1 }]);
      expect(await store.contactsOf(id(2), 0)).toEqual([{ peer: id(1), lastAtMs: T0 + 1 }]);
    });
  });

  test("a failing guard stores nothing of the work and says which refusal it was", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      const tight = { maxFrames: 0, maxBytes: 1 << 20 };
      expect(await store.commit(sendWork(1, 1, 2, { caps: tight }))).toEqual({
        status: "queue_full",
        recipient: id(2),
        stats: { frames: 0, bytes: 0 },
      });
      await expectNothingOf(store, 1, 1, 2);
      expect(await store.commit(sendWork(2, 1, 5))).toEqual({ status: "unknown_device", device: id(5) });
      await expectNothingOf(store, 2, 1, 5);
    });
  });

  test("a write that cannot apply rejects the whole work with StoreError and stores nothing", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      const work = sendWork(1, 1, 2);
      work.writes.push({ type: "enqueue", entry: entry(2, 1, 6) });
      await expect(store.commit({ writes: work.writes })).rejects.toBeInstanceOf(StoreError);
      await expectNothingOf(store, 1, 1, 2);
      expect(await store.queueStats(id(2))).toEqual({ frames: 0, bytes: 0 });
      const renamed = { ...device(1), info: "renamed" };
      const writes: Write[] = [
        { type: "putDevice", device: renamed },
        { type: "setDeviceState", device: id(9), state: "active", atMs: T0 },
      ];
      await expect(store.commit({ writes })).rejects.toBeInstanceOf(StoreError);
      expect((await store.getDevice(id(1)))?.info).toBe("device 1");
      await store.commit(sendWork(5, 1, 2));
      const seenTwice = [sendWork(6, 1, 2).writes[1], sendWork(5, 1, 2).writes[1]] as Write[];
      await expect(store.commit({ writes: seenTwice })).rejects.toBeInstanceOf(StoreError);
      expect(await store.getSeen(id(6, 1))).toBeUndefined();
      expect((await store.commit(sendWork(6, 1, 2))).status).toBe("ok");
      expect((await store.commit(sendWork(1, 1, 2))).status).toBe("ok");
    });
  });

  test("a message id already seen is a duplicate naming its first sender; markSeen twice is refused", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 3);
      await store.commit(sendWork(1, 1, 2));
      const again = await store.commit(sendWork(1, 3, 2, { atMs: T0 + 50 }));
      expect(again).toEqual({
        status: "duplicate",
        seen: { messageId: id(1, 1), sender: id(1), recipient: id(2), atMs: T0 + 1 },
      });
      expect(await store.contactsOf(id(3), 0)).toEqual([]);
      expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1]);
      const unguarded = sendWork(1, 1, 3);
      await expect(store.commit({ writes: unguarded.writes })).rejects.toBeInstanceOf(StoreError);
      expect(await store.queueStats(id(3))).toEqual({ frames: 0, bytes: 0 });
    });
  });

  test("caps count frames and bytes of messages and receipts, this work's entries included", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      const caps = { maxFrames: 3, maxBytes: 250 };
      await store.commit({
        writes: [{ type: "enqueue", entry: entry(1, 1, 2, { kind: "receipt", size: 100 }) }],
      });
      expect((await store.commit(sendWork(2, 1, 2, { caps, size: 100 }))).status).toBe("ok");
      expect(await store.commit(sendWork(3, 1, 2, { caps, size: 51 }))).toMatchObject({
        status: "queue_full",
        stats: { frames: 2, bytes: 200 },
      });
      expect((await store.commit(sendWork(4, 1, 2, { caps, size: 50 }))).status).toBe("ok");
      const byFrames = { maxFrames: 3, maxBytes: 1 << 20 };
      expect((await store.commit(sendWork(5, 1, 2, { caps: byFrames, size: 4 }))).status).toBe("queue_full");
      const two = sendWork(6, 1, 2, { caps: { maxFrames: 5, maxBytes: 1000 } });
      two.writes.push({ type: "enqueue", entry: entry(7, 1, 2) }, { type: "enqueue", entry: entry(8, 1, 2) });
      expect((await store.commit(two)).status).toBe("queue_full");
      expect(numbersOf(await store.mailboxPage(id(2), 0, 10))).toEqual([1, 2, 4]);
    });
  });

  test("a revoked recipient is refused; a suspended or registered one still queues", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 4);
      await store.commit({
        writes: [
          { type: "setDeviceState", device: id(2), state: "suspended", atMs: T0 + 9 },
          { type: "setDeviceState", device: id(3), state: "registered", atMs: T0 + 9 },
          { type: "setDeviceState", device: id(4), state: "revoked", atMs: T0 + 9 },
        ],
      });
      expect((await store.commit(sendWork(1, 1, 2))).status).toBe("ok");
      expect((await store.commit(sendWork(2, 1, 3))).status).toBe("ok");
      expect(await store.commit(sendWork(3, 1, 4))).toEqual({ status: "revoked", device: id(4) });
      expect(await store.getDevice(id(2))).toMatchObject({ state: "suspended", updatedAtMs: T0 + 9 });
    });
  });
}
