import { afterEach, describe, expect, test } from "bun:test";
import { deviceKeys } from "../../../src/client/device-messaging.ts";
import { toHex } from "../../../src/protocol/bytes.ts";
import { DeviceState } from "../../../src/protocol/directory.ts";
import { contentText } from "../../../src/protocol/e2e-content.ts";
import { FrameType } from "../../../src/protocol/header.ts";
import { PresenceStatus } from "../../../src/protocol/presence.ts";
import { RevokeReason } from "../../../src/protocol/revoke.ts";
import { until } from "../../helpers/until.ts";
import { ClientHarness, text } from "./client-harness.ts";

let harness: ClientHarness;
afterEach(() => harness.stop());
const conversation = new Uint8Array(32).fill(9);

describe("messaging client: session lifetime and reconnects", () => {
  test("soft expiry at expires_at: a new session is made before the old one breaks, nothing goes offline", async () => {
    harness = new ClientHarness({ sessionLifetimeMs: 300 });
    const alice = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await alice.client.start();
    await until(() => alice.online >= 2, "a renewed session");
    expect(alice.offline).toEqual([]);
    expect(harness.server.received(FrameType.authRequest).length).toBeGreaterThanOrEqual(2);
    await until(() => harness.server.connections.size === 1, "the old connection closed");
    await alice.client.send(harness.entry(bobKeys), text("after renewal"), conversation).accepted;
  });

  test("renewal survives the old session's 203 arriving before the new 0x04", async () => {
    harness = new ClientHarness({ sessionLifetimeMs: 200, supersedeFirst: true });
    const alice = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await alice.client.start();
    await until(() => alice.online >= 3, "two renewals");
    expect(alice.stopped).toBeUndefined();
    await alice.client.send(harness.entry(bobKeys), text("still up"), conversation).accepted;
  });

  test("soft expiry reached by messages pushed right behind the 0x04 still renews", async () => {
    harness = new ClientHarness({ messageLimit: 2 });
    const aliceKeys = harness.device("alice");
    const sender = harness.client(harness.device("carol"));
    await sender.client.start();
    for (const t of ["a", "b"])
      await sender.client.send(harness.entry(aliceKeys), text(t), conversation).accepted;
    const alice = harness.client(aliceKeys);
    await alice.client.start();
    await until(() => alice.online === 2 && alice.messages.length === 2, "a renewal and both messages");
    expect(alice.offline).toEqual([]);
  });

  test("soft expiry at message_limit (0x10s sent plus received) renews the session", async () => {
    harness = new ClientHarness({ messageLimit: 2 });
    const alice = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await alice.client.start();
    for (const t of ["a", "b"])
      await alice.client.send(harness.entry(bobKeys), text(t), conversation).accepted;
    await until(() => alice.online === 2, "a renewed session");
    await alice.client.send(harness.entry(bobKeys), text("c"), conversation).accepted;
    expect(alice.offline).toEqual([]);
  });

  test("a dropped connection reconnects with backoff and the queue is delivered on the new session", async () => {
    harness = new ClientHarness();
    const alice = harness.client(harness.device("alice"));
    const bob = harness.client(harness.device("bob"));
    await alice.client.start();
    await bob.client.start();
    harness.server.dropAll();
    await until(() => alice.online === 2 && bob.online === 2, "both back online");
    await alice.client.send(harness.entry(bob.keys), text("still here"), conversation).accepted;
    await until(() => bob.messages.length === 1, "the message");
    expect(bob.messages.map((m) => contentText(m.content))).toEqual(["still here"]);
  });

  test("202 revoked ends the client with no reconnect, and unaccepted messages fail", async () => {
    harness = new ClientHarness({ onSend: () => "withhold" });
    const phone = harness.client(harness.device("alice"));
    const laptop = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await phone.client.start();
    await laptop.client.start();
    const pending = phone.client
      .send(harness.entry(bobKeys), text("lost"), conversation)
      .accepted.catch((e) => e);
    await laptop.client.revoke(phone.keys.deviceId, RevokeReason.lost);
    expect(harness.entry(phone.keys).state).toBe(DeviceState.revoked);
    await until(() => phone.stopped !== undefined, "the phone to stop");
    expect(phone.stopped?.code).toBe(202);
    expect(phone.stopped?.message).toContain("not reconnecting");
    expect((await pending).code).toBe(202);
    const handshakes = harness.server.received(FrameType.authRequest).length;
    await Bun.sleep(150);
    expect(harness.server.received(FrameType.authRequest).length).toBe(handshakes);
  });

  test("203 superseded by another session of the same device: this client stops", async () => {
    harness = new ClientHarness();
    const keys = harness.device("alice");
    const first = harness.client(keys);
    const second = harness.client(keys);
    await first.client.start();
    await second.client.start();
    await until(() => first.stopped !== undefined, "the first client to stop");
    expect([first.stopped?.code, first.stopped?.details.reason]).toEqual([203, "superseded"]);
    expect(second.stopped).toBeUndefined();
    expect(harness.server.relay.sessions.size).toBe(1);
  });

  test("a first connection that fails rejects start() without retrying (unknown device: 201)", async () => {
    harness = new ClientHarness();
    const stranger = harness.client(deviceKeys(new Uint8Array(32).fill(3)));
    const error = await stranger.client.start().catch((e) => e);
    expect(error.code).toBe(201);
    expect(stranger.stopped?.code).toBe(201);
  });
});

describe("messaging client: presence", () => {
  test("a device's presence reaches its user's other online device, verified with its key", async () => {
    harness = new ClientHarness();
    const phone = harness.client(harness.device("alice"));
    const laptop = harness.client(harness.device("alice"));
    const updates: { status: number; message: string; deviceId: string }[] = [];
    laptop.client.events.presence = (update) => updates.push(update);
    await phone.client.start();
    await laptop.client.start();
    await phone.client.setPresence(PresenceStatus.away, "lunch");
    await until(() => updates.length === 1, "the presence update");
    expect(updates[0]).toMatchObject({
      status: 2,
      message: "lunch",
      deviceId: toHex(phone.keys.deviceId),
      userId: "alice",
    });
    const [entry] = await laptop.client.lookup({ kind: 1, deviceIds: [phone.keys.deviceId] });
    expect(entry?.presence).toBe(PresenceStatus.away);
  });
});

describe("messaging client: keepalive", () => {
  test("after ping_interval without sending, a 0x33 goes out (§6.7); the session stays up", async () => {
    harness = new ClientHarness();
    const alice = harness.client(harness.device("alice"), { timing: { pingIntervalMs: 40 } });
    await alice.client.start();
    const before = harness.server.received(FrameType.timeSync).length;
    await until(() => harness.server.received(FrameType.timeSync).length >= before + 3, "three keepalives");
    expect(alice.offline).toEqual([]);
    expect(alice.online).toBe(1);
  });
});
