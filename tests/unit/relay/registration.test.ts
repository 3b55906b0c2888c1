import { describe, expect, test } from "bun:test";
import type { RegisterRequest } from "../../../src/relay/registration.ts";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import { addDevice, devOf, keyOf, msgId, NOW, newRelay, refusal, refusedWith } from "./relay-helpers.ts";

function request(n: number, overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    nowMs: NOW,
    address: "10.0.0.1",
    messageId: msgId(),
    timestampMs: NOW,
    publicKey: keyOf(n),
    userId: "alice",
    deviceInfo: "phone",
    capabilities: 0,
    verifySignature: () => true,
    ...overrides,
  };
}

describe("registration (§6.2)", () => {
  test("unknown device: open inserts it active (0), approval inserts it registered (4), closed refuses 303", async () => {
    const open = newRelay({ registrationPolicy: "open" });
    expect((await open.relay.register(request(1))).status).toBe(0);
    expect((await open.store.getDevice(devOf(1)))?.state).toBe("active");

    const approval = newRelay({ registrationPolicy: "approval" });
    const pending = await approval.relay.register(request(1));
    expect([pending.status, pending.device.state]).toEqual([4, "registered"]);
    expect((await approval.store.getDevice(devOf(1)))?.userId).toBe("alice");

    const closed = newRelay();
    expect(await refusedWith(closed.relay.register(request(1)))).toMatchObject({
      code: 303,
      reason: "registration_closed",
    });
    expect(await closed.store.getDevice(devOf(1))).toBeUndefined();
  });

  test("active, same user: idempotent with info and caps updated (status 0 even when closed)", async () => {
    const { relay, store } = newRelay();
    await addDevice(store, 1);
    const outcome = await relay.register(request(1, { deviceInfo: "new phone", capabilities: 0 }));
    expect(outcome.status).toBe(0);
    expect(outcome.deviceId).toEqual(devOf(1));
    const stored = await store.getDevice(devOf(1));
    expect([stored?.info, stored?.state, stored?.updatedAtMs]).toEqual(["new phone", "active", NOW]);
  });

  test("registered, same user: 4; suspended: 303 suspended; revoked: 202; another user: 303 user_mismatch", async () => {
    const limits = { ...NCP1_DEFAULTS.limits, registrations: { burst: 100, perSecond: 1 } };
    const { relay, store } = newRelay({ registrationPolicy: "open", limits });
    await addDevice(store, 1, "alice", "registered");
    await addDevice(store, 2, "alice", "suspended");
    await addDevice(store, 3, "alice", "revoked");
    await addDevice(store, 4, "bob");
    expect((await relay.register(request(1))).status).toBe(4);
    expect(await refusedWith(relay.register(request(2)))).toMatchObject({ code: 303, reason: "suspended" });
    expect((await refusal(relay.register(request(3)))).code).toBe(202);
    expect(await refusedWith(relay.register(request(4)))).toMatchObject({
      code: 303,
      reason: "user_mismatch",
    });
    expect((await store.getDevice(devOf(4)))?.userId).toBe("bob");
  });

  test("order: the registrations limit (502) before freshness (103) before the signature (200)", async () => {
    const { relay } = newRelay({ registrationPolicy: "open" });
    const stale = { timestampMs: NOW - 301_000 };
    expect((await refusal(relay.register(request(1, { ...stale, verifySignature: () => false })))).code).toBe(
      103,
    );
    expect((await refusal(relay.register(request(2, { verifySignature: () => false })))).code).toBe(200);
    await relay.register(request(3));
    // the three above took the user's 3 tokens (burst 3): the fourth is refused first
    const limited = await refusal(relay.register(request(4, { ...stale, address: "10.9.9.9" })));
    expect([limited.code, limited.limit, limited.retryAfterSecs]).toEqual([502, "registrations", 1200]);
  });

  test("the limit counts per source address too, and a refusal carries the frame as ref", async () => {
    const { relay } = newRelay({ registrationPolicy: "open" });
    for (const n of [1, 2, 3]) await relay.register(request(n, { userId: `user${n}` }));
    const ref = msgId();
    const error = await refusal(relay.register(request(9, { userId: "u9", messageId: ref })));
    expect([error.code, error.limit]).toEqual([502, "registrations"]);
    expect(error.ref).toEqual(ref);
  });
});
