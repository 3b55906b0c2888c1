import { describe, expect, test } from "bun:test";
import type { RevokeRequest } from "../../../src/relay/revocation.ts";
import { FakeSession } from "./fake-session.ts";
import {
  addDevice,
  devOf,
  hex,
  msgId,
  NOW,
  newRelay,
  queueOf,
  refusal,
  refusedWith,
  sendRequest,
} from "./relay-helpers.ts";

function revokeRequest(by: number, target: number, overrides: Partial<RevokeRequest> = {}): RevokeRequest {
  return {
    nowMs: NOW,
    sessionDevice: devOf(by),
    messageId: msgId(),
    timestampMs: NOW,
    targetId: devOf(target),
    reason: 2,
    verifySignature: () => true,
    ...overrides,
  };
}

/** Alice has devices 1 and 2, Bob device 3; Bob sent two messages to Alice's device 2. */
async function world() {
  const made = newRelay();
  await addDevice(made.store, 1, "alice");
  await addDevice(made.store, 2, "alice");
  await addDevice(made.store, 3, "bob");
  const sent = [sendRequest(3, 2), sendRequest(3, 2)];
  for (const request of sent) await made.relay.send(request);
  return { ...made, sent };
}

describe("revocation by the device's user (§6.4, §8.4)", () => {
  test("another device of the user revokes: queue purged, status 3 queued for each sender, 202 to the target", async () => {
    const { relay, store, sent } = await world();
    const target = new FakeSession(devOf(2));
    const bob = new FakeSession(devOf(3));
    relay.attach(target);
    relay.attach(bob);
    expect(await relay.revoke(revokeRequest(1, 2))).toEqual({
      status: "revoked",
      closeRequester: false,
      purged: 2,
    });
    expect((await store.getDevice(devOf(2)))?.state).toBe("revoked");
    expect(await queueOf(store, 2)).toEqual([]);
    expect(await queueOf(store, 3)).toEqual(sent.map((s) => `receipt:${hex(s.messageId)}`));
    expect(target.closes).toEqual([{ code: 202, reason: "revoked" }]);
    expect(bob.wakes).toBeGreaterThan(0);
    expect(await refusedWith(relay.send(sendRequest(3, 2)))).toMatchObject({ code: 400, reason: "revoked" });
  });

  test("a device revoking itself gets status 0 and closes itself after the reply", async () => {
    const { relay } = await world();
    const self = new FakeSession(devOf(2));
    relay.attach(self);
    expect(await relay.revoke(revokeRequest(2, 2))).toMatchObject({
      status: "revoked",
      closeRequester: true,
    });
    expect(self.closes).toEqual([]);
  });

  test("unknown target 201; another user's device 303; already revoked status 0 (nothing purged twice)", async () => {
    const { relay, store } = await world();
    expect(await refusedWith(relay.revoke(revokeRequest(1, 9)))).toMatchObject({ code: 201 });
    expect(await refusedWith(relay.revoke(revokeRequest(1, 3)))).toMatchObject({ code: 303 });
    expect((await store.getDevice(devOf(3)))?.state).toBe("active");
    await relay.revoke(revokeRequest(1, 2));
    expect(await relay.revoke(revokeRequest(1, 2))).toEqual({
      status: "already_revoked",
      closeRequester: false,
      purged: 0,
    });
    expect(await queueOf(store, 3)).toHaveLength(2);
  });

  test("order: freshness 103, then the revocations limit 502 (10/h, burst 10), then the signature 200", async () => {
    const { relay } = await world();
    const stale = { timestampMs: NOW - 300_001 };
    const bad = { verifySignature: () => false };
    expect((await refusal(relay.revoke(revokeRequest(1, 9, { ...stale, ...bad })))).code).toBe(103);
    expect((await refusal(relay.revoke(revokeRequest(1, 9, bad)))).code).toBe(200);
    for (let i = 0; i < 9; i++) await refusal(relay.revoke(revokeRequest(1, 9)));
    expect(await refusedWith(relay.revoke(revokeRequest(1, 9, bad)))).toMatchObject({
      code: 502,
      limit: "revocations",
      retryAfterSecs: 360,
    });
  });
});

describe("revocation and suspension by the operator", () => {
  test("operator revoke: purge with receipts and 202 to the live session", async () => {
    const { relay, store, sent } = await world();
    const target = new FakeSession(devOf(2));
    relay.attach(target);
    const outcome = await relay.operatorRevoke(devOf(2), NOW);
    expect(outcome.status).toBe("revoked");
    expect(await queueOf(store, 3)).toEqual(sent.map((s) => `receipt:${hex(s.messageId)}`));
    expect(target.closes).toEqual([{ code: 202, reason: "revoked" }]);
    expect((await relay.operatorRevoke(devOf(2), NOW)).status).toBe("already_revoked");
  });

  test("operator suspend: the queue is kept, 303 suspended to the session; sends to it are still accepted", async () => {
    const { relay, store } = await world();
    const target = new FakeSession(devOf(2));
    relay.attach(target);
    expect(await relay.operatorSuspend(devOf(2), NOW)).toBe(true);
    expect(target.closes).toEqual([{ code: 303, reason: "suspended" }]);
    expect((await store.getDevice(devOf(2)))?.state).toBe("suspended");
    expect(await queueOf(store, 2)).toHaveLength(2);
    await relay.send(sendRequest(3, 2));
    expect(await queueOf(store, 2)).toHaveLength(3);
    expect(await relay.operatorSuspend(devOf(9), NOW)).toBe(false);
  });
});
