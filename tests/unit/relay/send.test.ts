import { describe, expect, test } from "bun:test";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import type { Work } from "../../../src/store/work.ts";
import { FakeSession } from "./fake-session.ts";
import {
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

async function twoDevices(settings = {}, store?: MemoryStore) {
  const made = newRelay(settings, store);
  await addDevice(made.store, 1, "alice");
  await addDevice(made.store, 2, "bob");
  return made;
}

describe("send pipeline (§8.1)", () => {
  test("accepted: the unchanged frame queued with seen record and contact, the recipient woken after the commit", async () => {
    const { relay, store } = await twoDevices();
    const seenAtWake: Promise<unknown>[] = [];
    const request = sendRequest(1, 2);
    const bob = new FakeSession(devOf(2), undefined, () =>
      seenAtWake.push(store.findEntry(devOf(2), request.messageId)),
    );
    relay.attach(bob);
    expect(await relay.send(request)).toEqual({ duplicate: false });
    expect(await queueOf(store, 2)).toEqual([`message:${hex(request.messageId)}`]);
    expect((await store.getSeen(request.messageId))?.sender).toEqual(devOf(1));
    expect((await store.contactsOf(devOf(2), 0)).map((c) => c.peer)).toEqual([devOf(1)]);
    expect(bob.wakes).toBe(1);
    expect(await Promise.all(seenAtWake)).not.toContain(undefined);
    const [entry] = await store.mailboxPage(devOf(2), 0, 1);
    expect(entry?.expiresAtMs).toBe(NOW + NCP1_DEFAULTS.queueTtlMs);
  });

  test("a resend by the same sender is status 0 again: no re-store, no re-delivery, before limit and signature", async () => {
    const { relay, store } = await twoDevices({
      limits: { ...NCP1_DEFAULTS.limits, messages: { burst: 1, perSecond: 1 / 60 } },
    });
    const bob = new FakeSession(devOf(2));
    relay.attach(bob);
    const first = sendRequest(1, 2);
    await relay.send(first);
    const resend = { ...first, timestampMs: NOW + 1000, verifySignature: () => false };
    expect(await relay.send(resend)).toEqual({ duplicate: true });
    expect(await queueOf(store, 2)).toHaveLength(1);
    expect(bob.wakes).toBe(1);
    expect(relay.stats.duplicatesAccepted).toBe(1);
  });

  test("the same message_id from another sender is 103; a concurrent double send stores it once", async () => {
    const { relay, store } = await twoDevices();
    await addDevice(store, 3, "carol");
    const first = sendRequest(1, 2);
    await relay.send(first);
    const stolen = sendRequest(3, 2, { messageId: first.messageId });
    expect(await refusedWith(relay.send(stolen))).toMatchObject({ code: 103, reason: "message_id" });
    const twice = sendRequest(1, 2);
    const outcomes = await Promise.all([relay.send(twice), relay.send({ ...twice })]);
    expect(outcomes.map((o) => o.duplicate).sort()).toEqual([false, true]);
    expect(await queueOf(store, 2)).toHaveLength(2);
  });

  test("each check in its order: 303, then 402, then 103, then 502 messages, then 200", async () => {
    const { relay } = await twoDevices({
      limits: { ...NCP1_DEFAULTS.limits, messages: { burst: 1, perSecond: 1 } },
    });
    const big = { payloadBytes: 4_194_305 };
    const stale = { timestampMs: NOW - 300_001 };
    const badSig = { verifySignature: () => false };
    expect((await refusal(relay.send(sendRequest(1, 2, { sessionDevice: devOf(2), ...big })))).code).toBe(
      303,
    );
    expect((await refusal(relay.send(sendRequest(1, 2, { ...big, ...stale })))).code).toBe(402);
    expect((await refusal(relay.send(sendRequest(1, 2, { ...stale, ...badSig })))).code).toBe(103);
    expect((await refusal(relay.send(sendRequest(1, 2, badSig)))).code).toBe(200);
    expect(await refusedWith(relay.send(sendRequest(1, 2, badSig)))).toEqual({
      code: 502,
      reason: "rate_limit",
      limit: "messages",
      retryAfterSecs: 1,
    });
  });

  test("messages: 120 at once, then one per second (retry_after ⌈seconds to the next token⌉)", async () => {
    const { relay } = await twoDevices();
    for (let i = 0; i < 120; i++) await relay.send(sendRequest(1, 2));
    expect(await refusedWith(relay.send(sendRequest(1, 2)))).toMatchObject({ code: 502, retryAfterSecs: 1 });
    await relay.send(sendRequest(1, 2, { nowMs: NOW + 1000 }));
    expect((await refusal(relay.send(sendRequest(1, 2, { nowMs: NOW + 1000 })))).code).toBe(502);
  });

  test("recipient unknown or revoked: 400; suspended: accepted (its queue is kept)", async () => {
    const { relay, store } = await twoDevices();
    await addDevice(store, 3, "carol", "revoked");
    await addDevice(store, 4, "dave", "suspended");
    expect(await refusedWith(relay.send(sendRequest(1, 9)))).toMatchObject({ code: 400, reason: "unknown" });
    expect(await refusedWith(relay.send(sendRequest(1, 3)))).toMatchObject({ code: 400, reason: "revoked" });
    expect((await relay.send(sendRequest(1, 4))).duplicate).toBe(false);
    expect(await queueOf(store, 4)).toHaveLength(1);
  });

  test("caps: frames and bytes per recipient give 502 limit=queue with queue_full_retry; nothing stored", async () => {
    const { relay, store } = await twoDevices({ queueMaxFrames: 2, queueFullRetrySecs: 42 });
    await relay.send(sendRequest(1, 2));
    await relay.send(sendRequest(1, 2));
    const full = sendRequest(1, 2);
    expect(await refusedWith(relay.send(full))).toEqual({
      code: 502,
      reason: "queue_full",
      limit: "queue",
      retryAfterSecs: 42,
    });
    expect(await store.getSeen(full.messageId)).toBeUndefined();
    const bytes = await twoDevices({ queueMaxBytes: 100 });
    const large = sendRequest(1, 2, { frame: new Uint8Array(101) });
    expect((await refusal(bytes.relay.send(large))).limit).toBe("queue");
  });

  test("a full storage quota gives 502 limit=disk; a failing store gives 500 and stores nothing", async () => {
    const quota = await twoDevices({}, new MemoryStore({ quotaBytes: 1 }));
    expect(await refusedWith(quota.relay.send(sendRequest(1, 2)))).toMatchObject({
      code: 502,
      limit: "disk",
    });

    class FailingStore extends MemoryStore {
      failing = false;
      override async commit(work: Work) {
        if (this.failing) throw new StoreError("io", "disk I/O error");
        return super.commit(work);
      }
    }
    const failingStore = new FailingStore();
    const { relay, store } = await twoDevices({}, failingStore);
    failingStore.failing = true;
    const request = sendRequest(1, 2);
    const error = await refusal(relay.send(request));
    expect([error.code, error.ref]).toEqual([500, request.messageId]);
    expect(await store.getSeen(request.messageId)).toBeUndefined();
    expect(await queueOf(store, 2)).toEqual([]);
  });
});
