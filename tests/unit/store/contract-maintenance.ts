import { expect, test } from "bun:test";
import type { Store } from "../../../src/store/ports.ts";
import {
  addDevices,
  DAY_MS,
  device,
  entry,
  type FixtureFactory,
  id,
  numbersOf,
  sendWork,
  T0,
  withStore,
} from "./store-fixtures.ts";

/** TTL sweep, dedupe window, contact pruning and revocation purge. */
export function maintenanceContract(makeFixture: FixtureFactory): void {
  test("the TTL sweep deletes and returns expired entries of every queue, soonest expiry first, up to a limit", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 3);
      await store.commit(sendWork(1, 1, 2, { ttlMs: 1000 }));
      await store.commit(sendWork(2, 1, 3, { ttlMs: 5 * DAY_MS }));
      await store.commit(sendWork(3, 1, 3, { ttlMs: 10 }));
      await store.commit({
        writes: [{ type: "enqueue", entry: entry(4, 3, 2, { kind: "receipt", ttlMs: 20 }) }],
      });
      const now = T0 + 1000 + 1;
      const soonest = await store.sweepExpired(now, 2);
      expect(numbersOf(soonest)).toEqual([3, 4]);
      expect(soonest[1]).toMatchObject({
        kind: "receipt",
        recipient: id(2),
        sender: id(3),
        messageId: id(4, 1),
      });
      expect(numbersOf(await store.sweepExpired(now, 10))).toEqual([1]);
      expect(await store.sweepExpired(now, 10)).toEqual([]);
      expect(numbersOf(await store.mailboxPage(id(3), 0, 10))).toEqual([2]);
      expect(await store.queueStats(id(2))).toEqual({ frames: 0, bytes: 0 });
    });
  });

  test("seen records leave after the dedupe window, except while their message is queued (it stays a duplicate)", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      await store.commit(sendWork(1, 1, 2));
      await store.commit(sendWork(2, 1, 2, { atMs: T0 + DAY_MS }));
      const [queued] = await store.mailboxPage(id(2), 0, 1);
      await store.commit({ writes: [{ type: "deleteEntry", recipient: id(2), seq: queued?.seq ?? 0 }] });
      expect(await store.pruneSeen(T0 + DAY_MS)).toBe(1);
      expect(await store.getSeen(id(1, 1))).toBeUndefined();
      expect(await store.getSeen(id(2, 1))).toMatchObject({ atMs: T0 + DAY_MS });
      expect((await store.commit(sendWork(1, 1, 2, { atMs: T0 + 2 * DAY_MS }))).status).toBe("ok");
      expect(await store.pruneSeen(T0 + 3 * DAY_MS)).toBe(0);
      expect(await store.commit(sendWork(2, 1, 2))).toMatchObject({
        status: "duplicate",
        seen: { sender: id(1) },
      });
      const stillQueued = await store.findEntry(id(2), id(2, 1));
      expect(stillQueued).toMatchObject({ sender: id(1), messageId: id(2, 1) });
      await store.commit({ writes: [{ type: "deleteEntry", recipient: id(2), seq: stillQueued?.seq ?? 0 }] });
      expect(await store.pruneSeen(T0 + 3 * DAY_MS)).toBe(1);
      expect(await store.getSeen(id(2, 1))).toBeUndefined();
      expect((await store.commit(sendWork(2, 1, 2))).status).toBe("ok");
    });
  });

  test("contacts keep the latest time of a pair, filter by time, and are pruned by time", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 3);
      await store.commit(sendWork(1, 1, 2, { atMs: T0 + 500 }));
      await store.commit(sendWork(2, 2, 1, { atMs: T0 + 100 }));
      await store.commit(sendWork(3, 3, 1, { atMs: T0 + 200 }));
      expect(await store.contactsOf(id(2), 0)).toEqual([{ peer: id(1), lastAtMs: T0 + 500 }]);
      const ofOne = await store.contactsOf(id(1), T0 + 150);
      expect(ofOne.sort((a, b) => a.lastAtMs - b.lastAtMs)).toEqual([
        { peer: id(3), lastAtMs: T0 + 200 },
        { peer: id(2), lastAtMs: T0 + 500 },
      ]);
      expect(await store.contactsOf(id(1), T0 + 501)).toEqual([]);
      expect(await store.pruneContacts(T0 + 300)).toBe(1);
      expect(await store.contactsOf(id(3), 0)).toEqual([]);
      expect(await store.contactsOf(id(1), 0)).toEqual([{ peer: id(2), lastAtMs: T0 + 500 }]);
    });
  });

  test("a pair's time moves only by the contact resolution, never back; resolution 0 keeps every later time", async () => {
    const touches = async (store: Store, times: number[]) => {
      for (const atMs of times)
        await store.commit({ writes: [{ type: "touchContact", a: id(1), b: id(2), atMs }] });
      return (await store.contactsOf(id(2), 0)).map((c) => c.lastAtMs);
    };
    await withStore(
      makeFixture,
      async (store) => {
        expect(await touches(store, [T0])).toEqual([T0]);
        expect(await touches(store, [T0 + 999, T0 - 5])).toEqual([T0]);
        expect(await touches(store, [T0 + 1000])).toEqual([T0 + 1000]);
        expect(await store.contactsOf(id(1), 0)).toEqual([{ peer: id(2), lastAtMs: T0 + 1000 }]);
      },
      { contactResolutionMs: 1000 },
    );
    await withStore(
      makeFixture,
      async (store) => {
        expect(await touches(store, [T0, T0 + 1, T0 - 5])).toEqual([T0 + 1]);
      },
      { contactResolutionMs: 0 },
    );
  });

  test("revocation marks the device revoked and purges its queue in commit order, once", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 3);
      for (const n of [1, 2, 3]) await store.commit(sendWork(n, n === 2 ? 3 : 1, 2));
      await store.commit(sendWork(4, 1, 3));
      const outcome = await store.revokeDevice(id(2), T0 + 99);
      expect(outcome.status).toBe("revoked");
      expect(outcome.status === "revoked" && numbersOf(outcome.purged)).toEqual([1, 2, 3]);
      expect(outcome.status === "revoked" && outcome.purged.map((e) => e.sender)).toEqual([
        id(1),
        id(3),
        id(1),
      ]);
      expect(await store.getDevice(id(2))).toMatchObject({ state: "revoked", updatedAtMs: T0 + 99 });
      expect(await store.mailboxPage(id(2), 0, 10)).toEqual([]);
      expect(await store.queueStats(id(2))).toEqual({ frames: 0, bytes: 0 });
      expect(numbersOf(await store.mailboxPage(id(3), 0, 10))).toEqual([4]);
      expect(await store.revokeDevice(id(2), T0 + 100)).toEqual({ status: "already_revoked" });
      expect(await store.revokeDevice(id(7), T0 + 100)).toEqual({ status: "unknown_device" });
      expect((await store.commit(sendWork(5, 1, 2))).status).toBe("revoked");
    });
  });

  test("devices: a user's devices oldest first, a put replaces every field, presence keeps the latest", async () => {
    await withStore(makeFixture, async (store) => {
      const late = device(1, "bob", { registeredAtMs: T0 + 50 });
      await store.commit({
        writes: [
          { type: "putDevice", device: late },
          { type: "putDevice", device: device(2, "bob") },
        ],
      });
      await store.commit({ writes: [{ type: "putDevice", device: device(3, "carol") }] });
      expect((await store.devicesOfUser("bob")).map((d) => d.id)).toEqual([id(2), id(1)]);
      expect(await store.devicesOfUser("nobody")).toEqual([]);
      expect((await store.allDevices()).map((d) => d.id)).toEqual([id(2), id(3), id(1)]);
      const changed = { ...late, info: "phone", capabilities: 7, updatedAtMs: T0 + 60 };
      await store.commit({ writes: [{ type: "putDevice", device: changed }] });
      expect(await store.getDevice(id(1))).toEqual(changed);
      expect(await store.getDevice(id(4))).toBeUndefined();
      for (const status of [1, 2]) {
        const presence = { device: id(1), status, frame: new Uint8Array([status, 9]), atMs: T0 + status };
        await store.commit({ writes: [{ type: "putPresence", presence }] });
      }
      expect(await store.getPresence(id(1))).toEqual({
        device: id(1),
        status: 2,
        frame: new Uint8Array([2, 9]),
        atMs: T0 + 2,
      });
      expect(await store.getPresence(id(2))).toBeUndefined();
      const stranger = { device: id(8), status: 1, frame: new Uint8Array([1]), atMs: T0 };
      await expect(
        store.commit({ writes: [{ type: "putPresence", presence: stranger }] }),
      ).rejects.toMatchObject({
        code: "invalid_write",
      });
    });
  });

  test("overview: devices by state and every queue together, with the oldest entry's time", async () => {
    await withStore(makeFixture, async (store) => {
      expect(await store.overview()).toEqual({
        devices: { registered: 0, active: 0, suspended: 0, revoked: 0 },
        queueEntries: 0,
        queueBytes: 0,
      });
      await store.commit({
        writes: [
          { type: "putDevice", device: device(1) },
          { type: "putDevice", device: device(2) },
          { type: "putDevice", device: device(3, "bob", { state: "suspended" }) },
        ],
      });
      for (const n of [5, 6, 7]) await store.commit(sendWork(n, 1, 2, { size: 100 }));
      await store.commit(sendWork(8, 2, 1, { size: 50 }));
      expect(await store.overview()).toEqual({
        devices: { registered: 0, active: 2, suspended: 1, revoked: 0 },
        queueEntries: 4,
        queueBytes: 350,
        oldestEnqueuedAtMs: T0 + 5,
      });
    });
  });
}
