import { describe, expect, test } from "bun:test";
import { Sweeper } from "../../../src/relay/sweeper.ts";
import { FakeSession } from "./fake-session.ts";
import { ackRequest, addDevice, devOf, hex, NOW, newRelay, queueOf, sendRequest } from "./relay-helpers.ts";

const TTL_MS = 10_000;

async function world() {
  const made = newRelay({ queueTtlMs: TTL_MS, dedupeWindowMs: 20_000, presenceContactMs: 30_000 });
  await addDevice(made.store, 1, "alice");
  await addDevice(made.store, 2, "bob");
  return made;
}

describe("TTL sweeper (§8.3)", () => {
  test("an expired message leaves the queue and its sender gets a status-3 receipt; nothing before the TTL", async () => {
    const { relay, store } = await world();
    const alice = new FakeSession(devOf(1));
    relay.attach(alice);
    const message = sendRequest(1, 2);
    await relay.send(message);
    expect((await relay.sweep(NOW + TTL_MS - 1)).expiredMessages).toBe(0);
    expect(await queueOf(store, 2)).toHaveLength(1);
    const report = await relay.sweep(NOW + TTL_MS);
    expect([report.expiredMessages, report.receiptsQueued]).toEqual([1, 1]);
    expect(await queueOf(store, 2)).toEqual([]);
    expect(await queueOf(store, 1)).toEqual([`receipt:${hex(message.messageId)}`]);
    expect(alice.wakes).toBe(1);
    expect(relay.stats.messagesExpired).toBe(1);
  });

  test("an expired receipt is dropped without a receipt of its own; an acked message never expires", async () => {
    const { relay, store } = await world();
    const message = sendRequest(1, 2);
    await relay.send(message);
    await relay.ack(ackRequest(2, 1, message.messageId));
    const report = await relay.sweep(NOW + TTL_MS);
    expect([report.expiredMessages, report.expiredReceipts, report.receiptsQueued]).toEqual([0, 1, 0]);
    expect(await queueOf(store, 1)).toEqual([]);
    expect(await queueOf(store, 2)).toEqual([]);
  });

  test("an expired entry pushed and unacked frees its place in the delivery window", async () => {
    const { relay } = await world();
    relay.applySettings({ ...relay.settings, deliveryWindow: 1 });
    await relay.send(sendRequest(1, 2));
    const bob = new FakeSession(devOf(2));
    const { cursor } = relay.attach(bob);
    await cursor.drain(() => true);
    expect(cursor.unackedCount).toBe(1);
    await relay.sweep(NOW + TTL_MS);
    expect([cursor.unackedCount, bob.wakes]).toEqual([0, 1]);
  });

  test("seen records past the dedupe window and contacts past presence_contact_days are pruned", async () => {
    const { relay, store } = await world();
    const message = sendRequest(1, 2);
    await relay.send(message);
    await relay.ack(ackRequest(2, 1, message.messageId));
    expect((await relay.sweep(NOW + 20_000)).seenPruned).toBe(0);
    const report = await relay.sweep(NOW + 30_001);
    expect([report.seenPruned, report.contactsPruned]).toEqual([1, 1]);
    expect(await store.getSeen(message.messageId)).toBeUndefined();
  });

  test("the Sweeper runs passes one at a time and stop() waits for the running one", async () => {
    let running = 0;
    let most = 0;
    let passes = 0;
    const { relay } = await world();
    const sweeper = relay.sweeper(60_000);
    const slow = new (sweeper.constructor as typeof import("../../../src/relay/sweeper.ts").Sweeper)(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await Bun.sleep(5);
        running -= 1;
        passes += 1;
      },
      60_000,
    );
    const first = slow.runOnce();
    const second = slow.runOnce();
    expect(second).toBe(first);
    await slow.stop();
    expect([passes, most, running]).toEqual([1, 1, 0]);
    await slow.runOnce();
    expect(passes).toBe(2);
  });

  test("a failing pass is reported, and the next pass runs", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const sweeper = new Sweeper(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error("store closed");
      },
      60_000,
      (error) => errors.push(error),
    );
    await sweeper.runOnce();
    await sweeper.runOnce();
    expect([calls, errors.length]).toEqual([2, 1]);
  });
});
