import { afterAll, describe, expect, test } from "bun:test";
import { ClusterRouter } from "../../../src/relay/cluster-router.ts";
import { Relay } from "../../../src/relay/relay.ts";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import type { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import type { QueueEntry } from "../../../src/store/records.ts";
import { postgresAvailable } from "../../helpers/postgres.ts";
import { until } from "../../helpers/until.ts";
import { migratedDatabase } from "../store/postgres-fixture.ts";
import { FakeSession } from "./fake-session.ts";
import { ackRequest, addDevice, devOf, FakeFrames, NOW, refusedWith, sendRequest } from "./relay-helpers.ts";

const stores: PostgresStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

/** Instance `name`: its own Postgres pool on the shared database, a cluster router listening on its channel. */
async function instance(url: string, name: string) {
  const store = await openPostgresStore({ url, poolSize: 4 });
  stores.push(store);
  const router = new ClusterRouter({ leases: store, hints: store.hints, instance: name });
  await router.listen();
  const relay = new Relay({
    store,
    frames: new FakeFrames(),
    settings: NCP1_DEFAULTS,
    router,
    lockout: store,
    clock: () => NOW,
  });
  return { store, router, relay };
}

const pushedTo = (list: QueueEntry[]) => (entry: QueueEntry) => {
  list.push(entry);
  return true;
};

describe.skipIf(!postgresAvailable())("relay in cluster mode on a real Postgres", () => {
  test("a send on one instance wakes the recipient's session on another; re-authenticating elsewhere fences the old one", async () => {
    const url = await migratedDatabase();
    const a = await instance(url, "a");
    const b = await instance(url, "b");
    await addDevice(a.store as unknown as MemoryStore, 1, "alice");
    await addDevice(a.store as unknown as MemoryStore, 2, "bob");

    const bobOnA = new FakeSession(devOf(2));
    const onA = a.relay.attach(bobOnA);
    expect(await onA.cursor.drain(() => true)).toBe(0); // lease taken, queue empty
    const wakesBefore = bobOnA.wakes;
    const message = sendRequest(1, 2);
    await b.relay.send(message);
    await until(() => bobOnA.wakes > wakesBefore, "the hint to wake bob on a", 5_000);
    const seenOnA: QueueEntry[] = [];
    expect(await onA.cursor.drain(pushedTo(seenOnA))).toBe(1);

    const bobOnB = new FakeSession(devOf(2));
    const onB = b.relay.attach(bobOnB);
    const seenOnB: QueueEntry[] = [];
    expect(await onB.cursor.drain(pushedTo(seenOnB))).toBe(1); // the unacked message again
    await until(() => bobOnA.closes.length > 0, "203 to bob on a", 5_000);
    expect(bobOnA.closes).toEqual([{ code: 203, reason: "superseded" }]);
    // The old session's ack is refused by the store (stale lease): the entry stays for bob on b.
    expect(await refusedWith(a.relay.ack(ackRequest(2, 1, message.messageId)))).toMatchObject({ code: 203 });
    expect(await a.store.mailboxPage(devOf(2), 0, 10)).toHaveLength(1);
    expect(await b.relay.ack(ackRequest(2, 1, message.messageId))).toMatchObject({ matched: "queued" });
    expect(await a.store.mailboxPage(devOf(2), 0, 10)).toHaveLength(0);
    await Promise.all([a.router.stop(), b.router.stop()]);
  }, 30_000);
});
