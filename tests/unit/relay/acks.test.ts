import { describe, expect, test } from "bun:test";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import type { QueueEntry } from "../../../src/store/records.ts";
import { FakeSession } from "./fake-session.ts";
import {
  ackRequest,
  addDevice,
  devOf,
  hex,
  NOW,
  newRelay,
  queueOf,
  refusal,
  refusedWith,
  sendRequest,
} from "./relay-helpers.ts";

/** Alice (1) sent one message to Bob (2). */
async function sentOne(settings = {}) {
  const made = newRelay(settings);
  await addDevice(made.store, 1, "alice");
  await addDevice(made.store, 2, "bob");
  const message = sendRequest(1, 2);
  await made.relay.send(message);
  return { ...made, ref: message.messageId };
}

describe("client acks (§6.6)", () => {
  test("the recipient's ack deletes the entry and queues the unchanged ack for the sender, who is woken", async () => {
    const { relay, store, ref } = await sentOne();
    const alice = new FakeSession(devOf(1));
    relay.attach(alice);
    expect(await relay.ack(ackRequest(2, 1, ref))).toEqual({ matched: "queued", forwarded: true });
    expect(await queueOf(store, 2)).toEqual([]);
    expect(await queueOf(store, 1)).toEqual([`ack:${hex(ref)}`]);
    const [receipt] = await store.mailboxPage(devOf(1), 0, 1);
    expect([receipt?.kind, receipt?.sender]).toEqual(["receipt", devOf(2)]);
    expect(alice.wakes).toBe(1);
  });

  test("a target that is not the entry's sender is 303 and the entry stays", async () => {
    const { relay, store, ref } = await sentOne();
    await addDevice(store, 3, "carol");
    expect(await refusedWith(relay.ack(ackRequest(2, 3, ref)))).toMatchObject({
      code: 303,
      reason: "target_mismatch",
    });
    expect(await queueOf(store, 2)).toHaveLength(1);
    expect(await queueOf(store, 3)).toEqual([]);
  });

  test("a repeated ack matches the seen record: forwarded again, no token charged", async () => {
    const { relay, store, ref } = await sentOne({
      limits: { ...NCP1_DEFAULTS.limits, messages: { burst: 1, perSecond: 1 / 3600 } },
    });
    await relay.ack(ackRequest(2, 1, ref));
    expect(await relay.ack(ackRequest(2, 1, ref, { status: 2 }))).toEqual({
      matched: "seen",
      forwarded: true,
    });
    expect(await relay.ack(ackRequest(2, 1, ref, { status: 3 }))).toEqual({
      matched: "seen",
      forwarded: true,
    });
    expect(await queueOf(store, 1)).toHaveLength(3);
  });

  test("an unmatched ack is charged to `messages` (502) and needs a known, unrevoked target (400)", async () => {
    const { relay, store } = await sentOne({
      limits: { ...NCP1_DEFAULTS.limits, messages: { burst: 2, perSecond: 1 / 60 } },
    });
    await addDevice(store, 3, "carol", "revoked");
    const unknown = new Uint8Array(32).fill(9);
    expect(await relay.ack(ackRequest(2, 1, unknown))).toEqual({ matched: "unmatched", forwarded: true });
    expect(await refusedWith(relay.ack(ackRequest(2, 3, unknown)))).toMatchObject({
      code: 400,
      reason: "revoked",
    });
    expect(await refusedWith(relay.ack(ackRequest(2, 9, unknown)))).toMatchObject({
      code: 502,
      limit: "messages",
      retryAfterSecs: 60,
    });
  });

  test("step 1 in order: status outside 1–3 (101), acker not the session (303), stale (103), signature (200)", async () => {
    const { relay, store, ref } = await sentOne();
    const bad = { verifySignature: () => false };
    const stale = { timestampMs: NOW + 300_001 };
    expect((await refusal(relay.ack(ackRequest(2, 1, ref, { status: 0, ...stale })))).code).toBe(101);
    expect((await refusal(relay.ack(ackRequest(2, 1, ref, { status: 4 })))).code).toBe(101);
    expect(
      (await refusal(relay.ack(ackRequest(2, 1, ref, { sessionDevice: devOf(1), ...stale })))).code,
    ).toBe(303);
    expect((await refusal(relay.ack(ackRequest(2, 1, ref, { ...stale, ...bad })))).code).toBe(103);
    expect((await refusal(relay.ack(ackRequest(2, 1, ref, bad)))).code).toBe(200);
    expect(await queueOf(store, 2)).toHaveLength(1);
  });

  test("a receipt over the sender's caps is dropped; the ack still removes the message", async () => {
    const { relay, store, ref } = await sentOne({ queueMaxFrames: 1 });
    await relay.send(sendRequest(2, 1));
    expect(await relay.ack(ackRequest(2, 1, ref))).toEqual({ matched: "queued", forwarded: false });
    expect(await queueOf(store, 2)).toEqual([]);
    expect(await queueOf(store, 1)).toHaveLength(1);
    expect(relay.stats.receiptsDropped).toBe(1);
  });

  test("an ack opens the delivery window: the recipient's session is woken and the next entry pushed", async () => {
    const { relay, ref } = await sentOne({ deliveryWindow: 1 });
    await relay.send(sendRequest(1, 2));
    const pushed: QueueEntry[] = [];
    const bob = new FakeSession(devOf(2));
    const { cursor } = relay.attach(bob);
    await cursor.drain((entry) => pushed.push(entry) > 0);
    expect(pushed).toHaveLength(1);
    await relay.ack(ackRequest(2, 1, ref));
    expect(bob.wakes).toBe(1);
    await cursor.drain((entry) => pushed.push(entry) > 0);
    expect(pushed).toHaveLength(2);
  });

  test("receipts reach the sender once: pushed, deleted, not pushed on its next session", async () => {
    const { relay, store, ref } = await sentOne();
    await relay.ack(ackRequest(2, 1, ref));
    const first: QueueEntry[] = [];
    const session = new FakeSession(devOf(1));
    const { cursor } = relay.attach(session);
    await cursor.drain((entry) => first.push(entry) > 0);
    await cursor.settled();
    await relay.detach(session, NOW);
    expect(first.map((e) => e.kind)).toEqual(["receipt"]);
    expect(await queueOf(store, 1)).toEqual([]);
    const again: QueueEntry[] = [];
    await relay.attach(new FakeSession(devOf(1))).cursor.drain((entry) => again.push(entry) > 0);
    expect(again).toEqual([]);
  });
});
