import { expect, test } from "bun:test";
import { addDevices, type FixtureFactory, id, numbersOf, sendWork, T0, withStore } from "./store-fixtures.ts";

const LIMITS = { windowMs: 60_000, maxFailures: 3, lockoutMs: 300_000 };

/** The cluster ports (cluster-ports.ts): leases with epochs and fencing, instances, lockout, hints. */
export function clusterContract(makeFixture: FixtureFactory): void {
  test("each takeLease bumps the device's epoch and names the lease it replaced; epochs survive a release", async () => {
    await withStore(makeFixture, async (store) => {
      const first = await store.takeLease(id(1), "a", T0);
      expect(first).toEqual({ lease: { device: id(1), instance: "a", epoch: 1, takenAtMs: T0 } });
      const second = await store.takeLease(id(1), "b", T0 + 5);
      expect(second).toEqual({
        lease: { device: id(1), instance: "b", epoch: 2, takenAtMs: T0 + 5 },
        previous: first.lease,
      });
      expect(await store.getLease(id(1))).toEqual(second.lease);
      expect(await store.releaseLease(id(1), 1)).toBe(false);
      expect(await store.releaseLease(id(1), 2)).toBe(true);
      expect(await store.releaseLease(id(1), 2)).toBe(false);
      expect(await store.getLease(id(1))).toBeUndefined();
      expect(await store.takeLease(id(1), "a", T0 + 9)).toEqual({
        lease: { device: id(1), instance: "a", epoch: 3, takenAtMs: T0 + 9 },
      });
      expect((await store.takeLease(id(2), "a", T0)).lease.epoch).toBe(1);
    });
  });

  test("a superseded session reads no page and its acks delete nothing (stale_lease)", async () => {
    await withStore(makeFixture, async (store) => {
      await addDevices(store, 2);
      for (const n of [1, 2, 3]) await store.commit(sendWork(n, 1, 2));
      expect(await store.fencedPage(id(2), 1, 0, 10)).toBe("stale");
      const old = (await store.takeLease(id(2), "a", T0)).lease;
      const page = await store.fencedPage(id(2), old.epoch, 0, 2);
      expect(page === "stale" ? page : numbersOf(page)).toEqual([1, 2]);
      const newer = (await store.takeLease(id(2), "b", T0 + 1)).lease;
      expect(await store.fencedPage(id(2), old.epoch, 0, 10)).toBe("stale");
      const [first] = page === "stale" ? [] : page;
      const ack = (epoch: number) => ({
        guards: [{ type: "leaseEpoch" as const, device: id(2), epoch }],
        writes: [{ type: "deleteEntry" as const, recipient: id(2), seq: first?.seq ?? 0 }],
      });
      expect(await store.commit(ack(old.epoch))).toEqual({
        status: "stale_lease",
        device: id(2),
        epoch: newer.epoch,
      });
      expect((await store.queueStats(id(2))).frames).toBe(3);
      expect(await store.commit(ack(newer.epoch))).toEqual({ status: "ok", seqs: [] });
      const rest = await store.fencedPage(id(2), newer.epoch, 0, 10);
      expect(rest === "stale" ? rest : numbersOf(rest)).toEqual([2, 3]);
      await store.releaseLease(id(2), newer.epoch);
      expect(await store.commit(ack(newer.epoch))).toEqual({
        status: "stale_lease",
        device: id(2),
        epoch: 0,
      });
    });
  });

  test("instances heartbeat; clearLeases and expireInstances end an instance's leases and count them", async () => {
    await withStore(makeFixture, async (store) => {
      await store.heartbeat("b", T0);
      await store.heartbeat("a", T0);
      await store.heartbeat("a", T0 + 1000);
      for (const n of [1, 2, 3]) await store.takeLease(id(n), n === 3 ? "b" : "a", T0);
      expect(await store.instances()).toEqual([
        { name: "a", startedAtMs: T0, heartbeatAtMs: T0 + 1000, leases: 2 },
        { name: "b", startedAtMs: T0, heartbeatAtMs: T0, leases: 1 },
      ]);
      expect(await store.expireInstances(T0 + 1)).toBe(1);
      expect(await store.getLease(id(3))).toBeUndefined();
      expect((await store.instances()).map((i) => i.name)).toEqual(["a"]);
      expect(await store.clearLeases("a")).toBe(2);
      expect(await store.getLease(id(1))).toBeUndefined();
      expect(await store.instances()).toEqual([
        { name: "a", startedAtMs: T0, heartbeatAtMs: T0 + 1000, leases: 0 },
      ]);
      expect((await store.takeLease(id(1), "a", T0 + 2)).lease.epoch).toBe(2);
      expect(await store.clearLeases("nobody")).toBe(0);
    });
  });

  test("the auth lockout: max failures within the window lock every key given, for the lockout time", async () => {
    await withStore(makeFixture, async (store) => {
      const keys = ["device:1", "addr:10.0.0.1"];
      await store.recordAuthFailure(keys, T0, LIMITS);
      await store.recordAuthFailure(keys, T0 + 1, LIMITS);
      expect(await store.lockedUntilMs(keys, T0 + 2)).toBe(0);
      await store.recordAuthFailure(["device:1"], T0 + 2, LIMITS);
      expect(await store.lockedUntilMs(["device:1"], T0 + 3)).toBe(T0 + 2 + LIMITS.lockoutMs);
      expect(await store.lockedUntilMs(["addr:10.0.0.1"], T0 + 3)).toBe(0);
      expect(await store.lockedUntilMs(keys, T0 + 2 + LIMITS.lockoutMs)).toBe(0);
      await store.recordAuthFailure(["addr:10.0.0.1"], T0 + LIMITS.windowMs + 1, LIMITS);
      expect(await store.lockedUntilMs(["addr:10.0.0.1"], T0 + LIMITS.windowMs + 2)).toBe(0);
      expect(await store.lockedUntilMs([], T0)).toBe(0);
    });
  });

  test("hints reach the channel's listener after onListening, and stop when it stops listening", async () => {
    await withStore(makeFixture, async (store) => {
      const got: string[] = [];
      const marks: string[] = [];
      let listening = 0;
      const stop = await store.hints.listen(
        "norc_test_a",
        (payload) => got.push(payload),
        () => listening++,
      );
      const stopMarks = await store.hints.listen(
        "norc_test_b",
        (payload) => marks.push(payload),
        () => {},
      );
      expect(listening).toBeGreaterThanOrEqual(1);
      await store.hints.publish("norc_test_a", "device 1");
      await store.hints.publish("norc_test_b", "mark 1");
      await waitFor(() => marks.length === 1);
      expect(got).toEqual(["device 1"]);
      await stop();
      await store.hints.publish("norc_test_a", "device 2");
      await store.hints.publish("norc_test_b", "mark 2");
      await waitFor(() => marks.length === 2);
      expect(got).toEqual(["device 1"]);
      await stopMarks();
    });
  });
}

/** Polls until `condition` holds (hints arrive asynchronously); fails the test after 5 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a hint");
    await Bun.sleep(5);
  }
}
