import { describe, expect, test } from "bun:test";
import type { AuthenticateRequest } from "../../../src/relay/authentication.ts";
import { addDevice, devOf, keyOf, msgId, NOW, newRelay, refusal, refusedWith } from "./relay-helpers.ts";

function request(n: number, overrides: Partial<AuthenticateRequest> = {}): AuthenticateRequest {
  return {
    nowMs: NOW,
    address: "10.0.0.1",
    messageId: msgId(),
    timestampMs: NOW,
    deviceId: devOf(n),
    publicKey: keyOf(n),
    verifySignature: () => true,
    ...overrides,
  };
}

describe("authentication (§6.3)", () => {
  test("an active device gets a session: random id, expires_at within lifetime ±10 %, message_limit, queued", async () => {
    const { relay, store } = newRelay({ sessionLifetimeMs: 1_000_000, sessionMaxMessages: 7 });
    await addDevice(store, 1);
    await addDevice(store, 2);
    await store.commit({
      writes: [1, 2, 3].map((n) => ({
        type: "enqueue" as const,
        entry: {
          recipient: devOf(1),
          kind: "message" as const,
          messageId: msgId(),
          sender: devOf(2),
          frame: new Uint8Array(60 + n),
          enqueuedAtMs: NOW,
          expiresAtMs: NOW + 1000,
        },
      })),
    });
    const outcome = await relay.authenticate(request(1));
    expect(outcome.device.id).toEqual(devOf(1));
    expect(outcome.sessionId.byteLength).toBe(32);
    expect(outcome.expiresAtMs).toBe(NOW + 1_000_000); // random() = 0.5: the middle of U[0.9, 1.1]
    expect([outcome.messageLimit, outcome.queued]).toEqual([7, 3]);
    const other = await relay.authenticate(request(1));
    expect(other.sessionId).not.toEqual(outcome.sessionId);
  });

  test("each step's refusal in order: skew 103, id 200, signature 200, unknown 201, key 200, states", async () => {
    const { relay, store } = newRelay();
    await addDevice(store, 1);
    await addDevice(store, 3, "alice", "revoked");
    await addDevice(store, 4, "alice", "registered");
    await addDevice(store, 5, "alice", "suspended");
    const addr = (n: number) => ({ address: `10.1.0.${n}` });
    expect(
      (await refusal(relay.authenticate(request(1, { timestampMs: NOW + 5001, deviceId: devOf(9) })))).code,
    ).toBe(103);
    expect(
      await refusedWith(relay.authenticate(request(1, { ...addr(1), deviceId: devOf(2) }))),
    ).toMatchObject({ code: 200, reason: "device_id" });
    expect(
      await refusedWith(relay.authenticate(request(1, { ...addr(2), verifySignature: () => false }))),
    ).toMatchObject({ code: 200, reason: "signature" });
    expect((await refusal(relay.authenticate(request(2, addr(3))))).code).toBe(201);
    const six = await addDevice(store, 6);
    await store.commit({
      writes: [{ type: "putDevice", device: { ...six, publicKey: keyOf(60) } }],
    });
    expect(await refusedWith(relay.authenticate(request(6, addr(4))))).toMatchObject({
      code: 200,
      reason: "key_mismatch",
    });
    expect((await refusal(relay.authenticate(request(3, addr(5))))).code).toBe(202);
    expect(await refusedWith(relay.authenticate(request(4, addr(6))))).toMatchObject({
      code: 303,
      reason: "pending",
    });
    expect(await refusedWith(relay.authenticate(request(5, addr(7))))).toMatchObject({
      code: 303,
      reason: "suspended",
    });
  });

  test("five failures of steps 3–5 within 60 s lock the device out for 300 s (502, retry_after = seconds left, rounded up)", async () => {
    const { relay, store } = newRelay();
    await addDevice(store, 1);
    for (let i = 0; i < 5; i++) {
      const failed = await refusal(
        relay.authenticate(
          request(1, { address: `10.2.0.${i}`, nowMs: NOW + i, verifySignature: () => false }),
        ),
      );
      expect(failed.code).toBe(200);
    }
    const locked = await refusal(
      relay.authenticate(
        request(1, { address: "10.3.0.1", nowMs: NOW + 100_000, timestampMs: NOW + 100_000 }),
      ),
    );
    expect([locked.code, locked.limit, locked.reason, locked.retryAfterSecs]).toEqual([
      502,
      "auth_failures",
      "lockout",
      201,
    ]);
    const later = NOW + 300_005;
    expect(
      (await relay.authenticate(request(1, { address: "10.3.0.1", nowMs: later, timestampMs: later }))).device
        .state,
    ).toBe("active");
  });

  test("the source address is locked too, for every device; skew and state refusals are not counted", async () => {
    const { relay, store } = newRelay();
    await addDevice(store, 1);
    await addDevice(store, 5, "alice", "suspended");
    for (let i = 0; i < 6; i++) {
      await refusal(relay.authenticate(request(5)));
      await refusal(relay.authenticate(request(1, { timestampMs: NOW - 6000 })));
    }
    expect((await relay.authenticate(request(1))).device.id).toEqual(devOf(1));
    for (let i = 0; i < 5; i++) await refusal(relay.authenticate(request(10 + i)));
    expect(await refusedWith(relay.authenticate(request(1)))).toMatchObject({
      code: 502,
      limit: "auth_failures",
    });
    expect((await relay.authenticate(request(1, { address: "10.0.0.2" }))).device.id).toEqual(devOf(1));
  });
});
