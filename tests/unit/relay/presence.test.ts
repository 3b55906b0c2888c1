import { describe, expect, test } from "bun:test";
import type { PresenceRequest } from "../../../src/relay/presence.ts";
import { FakeSession } from "./fake-session.ts";
import {
  addDevice,
  devOf,
  hex,
  msgId,
  NOW,
  newRelay,
  refusal,
  refusedWith,
  sendRequest,
  text,
} from "./relay-helpers.ts";

const DAY_MS = 86_400_000;

function presenceRequest(n: number, overrides: Partial<PresenceRequest> = {}): PresenceRequest {
  return {
    nowMs: NOW,
    sessionDevice: devOf(n),
    messageId: msgId(),
    timestampMs: NOW,
    deviceId: devOf(n),
    status: 1,
    frame: new TextEncoder().encode(`presence:${n}`),
    verifySignature: () => true,
    ...overrides,
  };
}

/** Alice: devices 1, 2. Bob: 3 (a contact of 1). Carol: 4 (no contact). Dave: 5 (a contact 31 days ago). */
async function world() {
  const made = newRelay();
  await addDevice(made.store, 1, "alice");
  await addDevice(made.store, 2, "alice");
  await addDevice(made.store, 3, "bob");
  await addDevice(made.store, 4, "carol");
  await addDevice(made.store, 5, "dave");
  await made.relay.send(sendRequest(3, 1));
  const old = NOW - 31 * DAY_MS;
  await made.relay.send(sendRequest(1, 5, { nowMs: old, timestampMs: old }));
  const sessions = [1, 2, 3, 4, 5].map((n) => new FakeSession(devOf(n)));
  for (const session of sessions) made.relay.attach(session);
  return { ...made, sessions };
}

describe("presence (§6.6)", () => {
  test("the unchanged frame goes to the user's other devices and contacts of the last 30 days, online only", async () => {
    const { relay, store, sessions } = await world();
    await relay.detach(sessions[1] as FakeSession, NOW);
    const pushed = await relay.presence(presenceRequest(1));
    expect(pushed).toBe(1);
    const got = sessions.map((s) => s.presence.map(text).filter((frame) => frame.startsWith("presence:")));
    expect(got).toEqual([[], [], ["presence:1"], [], []]);
    expect((await store.getPresence(devOf(1)))?.status).toBe(1);
  });

  test("order: device_id = session (303), freshness (103), presence limit 10/min (502), signature (200)", async () => {
    const { relay } = await world();
    const stale = { timestampMs: NOW + 300_001 };
    const bad = { verifySignature: () => false };
    expect((await refusal(relay.presence(presenceRequest(1, { deviceId: devOf(2), ...stale })))).code).toBe(
      303,
    );
    expect((await refusal(relay.presence(presenceRequest(1, { ...stale, ...bad })))).code).toBe(103);
    expect((await refusal(relay.presence(presenceRequest(1, bad)))).code).toBe(200);
    for (let i = 0; i < 9; i++) await relay.presence(presenceRequest(1));
    expect(await refusedWith(relay.presence(presenceRequest(1, bad)))).toMatchObject({
      code: 502,
      limit: "presence",
      retryAfterSecs: 6,
    });
  });

  test("when a device's last session ends, its audience gets the IKs-signed offline notice; a superseded one is silent", async () => {
    const { relay, store, sessions } = await world();
    const replacement = new FakeSession(devOf(1));
    relay.attach(replacement);
    await relay.detach(sessions[0] as FakeSession, NOW);
    expect(sessions[2]?.presence).toEqual([]);
    await relay.detach(replacement, NOW + 5);
    expect(sessions.map((s) => s.presence.map(text))).toEqual([
      [],
      [`offline:${hex(devOf(1))}`],
      [`offline:${hex(devOf(1))}`],
      [],
      [],
    ]);
    const latest = await store.getPresence(devOf(1));
    expect([latest?.status, latest?.atMs]).toEqual([0, NOW + 5]);
  });
});

describe("directory (§6.7)", () => {
  const lookUp = (relay: ReturnType<typeof newRelay>["relay"], requester: number, more: object) =>
    relay.directory({ nowMs: NOW, requester: devOf(requester), messageId: msgId(), ...more } as never);

  test("kind 0: all of the user's devices in every state, oldest first; unknown user: none", async () => {
    const { relay, store } = await world();
    await addDevice(store, 6, "alice", "revoked");
    await addDevice(store, 7, "alice", "registered");
    const entries = await lookUp(relay, 3, { kind: 0, userId: "alice" });
    expect(entries.map((e) => [e.device.id, e.device.state])).toEqual([
      [devOf(1), "active"],
      [devOf(2), "active"],
      [devOf(6), "revoked"],
      [devOf(7), "registered"],
    ]);
    expect(await lookUp(relay, 3, { kind: 0, userId: "nobody" })).toEqual([]);
  });

  test("kind 1: known ids in request order, unknown ones skipped", async () => {
    const { relay } = await world();
    const entries = await lookUp(relay, 1, { kind: 1, deviceIds: [devOf(4), devOf(99), devOf(3)] });
    expect(entries.map((e) => e.device.userId)).toEqual(["carol", "bob"]);
  });

  test("presence shows only to the device's audience while it has a session", async () => {
    const { relay, sessions } = await world();
    await relay.presence(presenceRequest(1, { status: 3 }));
    const seenBy = async (requester: number) =>
      (await lookUp(relay, requester, { kind: 1, deviceIds: [devOf(1)] }))[0]?.presence;
    expect([await seenBy(2), await seenBy(3), await seenBy(4), await seenBy(5)]).toEqual([3, 3, 0, 0]);
    await relay.detach(sessions[0] as FakeSession, NOW);
    expect(await seenBy(2)).toBe(0);
  });

  test("key_lookups: 30 at once, then 502 with retry_after", async () => {
    const { relay } = await world();
    for (let i = 0; i < 30; i++) await lookUp(relay, 1, { kind: 0, userId: "bob" });
    const error = await refusal(lookUp(relay, 1, { kind: 0, userId: "bob" }));
    expect([error.code, error.limit, error.retryAfterSecs]).toEqual([502, "key_lookups", 2]);
  });
});
