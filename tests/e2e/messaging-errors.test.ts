import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import type { Answer, AuthResult } from "../helpers/independent-agent.ts";
import { Devices, refused, refusedEvent, serverWith } from "../helpers/messaging-devices.ts";

/**
 * Each §9 error code the compiled server produces after authentication, provoked on the wire by
 * the independent client: its code, `ref` (the offending frame's message_id), reason or limit, and
 * whether the connection closes (fatal per the §9 table: "pre-auth" codes close only before
 * AUTHENTICATED). 500 (storage failure) cannot be provoked from the wire and is not here. Errors
 * before authentication: messaging-errors-keyed.test.ts.
 */
setDefaultTimeout(30_000);
const devices = new Devices();
const randomId = () => randomBytes(32).toString("hex");
const server = serverWith(
  "[limits]\nregistrations_burst = 100\nmessages_burst = 4\nmessages_per_minute = 6\n",
);
const fullServer = serverWith(
  "[queue]\nmax_frames = 2\nfull_retry_secs = 7\n\n[storage]\nmax_disk_usage_mb = 1\n",
);

describe("errors after authentication that keep the session open", () => {
  test("102: an unknown frame type (0x40) is refused with its ref; the session goes on", async () => {
    const a = await devices.online(server(), "u102");
    const error = await refusedEvent(a, "raw", { type: 0x40, body: "00" });
    expect(error.code).toBe(102);
    expect(await a.isOpen()).toBe(true);
  });

  test("103: a stale 0x10 timestamp (reason clock_skew) and a message_id that belongs to another sender", async () => {
    const a = await devices.online(server(), "u103a");
    const b = await devices.online(server(), "u103b");
    const stale = await refused(a, "send", { to: b.deviceId, text: "old", timestampOffsetMs: -301_000 });
    expect([stale.code, stale.details.reason]).toEqual([103, "clock_skew"]);
    const mine = await a.call<Answer>("send", { to: b.deviceId, text: "mine" });
    expect(mine.status).toBe(0);
    const stolen = await refused(b, "send", { to: a.deviceId, text: "stolen", messageId: mine.message_id });
    expect([stolen.code, stolen.details.reason]).toEqual([103, "message_id"]);
    expect(await a.isOpen()).toBe(true);
    expect(await b.isOpen()).toBe(true);
  });

  test("200: a 0x10 whose signature does not verify", async () => {
    const a = await devices.online(server(), "u200");
    const error = await refused(a, "send", { to: a.deviceId, text: "x", badSignature: true });
    expect([error.code, error.details.reason]).toEqual([200, "signature"]);
    expect(await a.isOpen()).toBe(true);
  });

  test("201: a 0x05 for an unknown device", async () => {
    const a = await devices.online(server(), "u201");
    const error = await refused(a, "revoke", { deviceId: randomId() });
    expect(error.code).toBe(201);
    expect(await a.isOpen()).toBe(true);
  });

  test("303: spoofed sender_id, presence for another device, a 0x02 for another user, a foreign revoke, an ack naming the wrong sender (the entry stays)", async () => {
    const a = await devices.online(server(), "u303a");
    const b = await devices.online(server(), "u303b");
    const spoofed = await refused(a, "send", { to: b.deviceId, text: "x", senderId: b.deviceId });
    expect([spoofed.code, spoofed.details.reason]).toEqual([303, "spoofed_id"]);
    const presence = await a.call<{ message_id: string }>("presence", { deviceId: b.deviceId, status: 1 });
    expect((await a.errorFor(presence.message_id)).code).toBe(303);
    const mismatch0 = await refused(a, "register", { user: "someone else" });
    expect([mismatch0.code, mismatch0.details.reason]).toEqual([303, "user_mismatch"]);
    const foreign = await refused(a, "revoke", { deviceId: b.deviceId });
    expect([foreign.code, foreign.details.reason]).toEqual([303, "foreign_device"]);
    await b.call("autoack", { on: false });
    const sent = await a.call<Answer>("send", { to: b.deviceId, text: "ack me right" });
    await b.waitFor("message", (m) => m.message_id === sent.message_id);
    const wrong = await b.call<{ message_id: string }>("ack", { ref: sent.message_id, target: randomId() });
    const mismatch = await b.errorFor(wrong.message_id);
    expect([mismatch.code, mismatch.details.reason]).toEqual([303, "target_mismatch"]);
    await b.call("ack", { ref: sent.message_id, target: a.deviceId });
    const [receipt] = await a.waitFor("receipt", (r) => r.ref === sent.message_id);
    expect(receipt?.status).toBe(1);
    expect(await a.isOpen()).toBe(true);
    expect(await b.isOpen()).toBe(true);
  });

  test("400: a 0x10 to an unknown device (reason unknown) and an ack for an unknown target", async () => {
    const a = await devices.online(server(), "u400");
    const error = await refused(a, "send", { to: randomId(), payloadBytes: 1024 });
    expect([error.code, error.details.reason]).toEqual([400, "unknown"]);
    const ack = await a.call<{ message_id: string }>("ack", { ref: randomId(), target: randomId() });
    const unmatched = await a.errorFor(ack.message_id);
    expect([unmatched.code, unmatched.details.reason]).toEqual([400, "unknown"]);
    expect(await a.isOpen()).toBe(true);
  });

  test("402: an encrypted_payload over max_payload (4 194 304 bytes) inside a frame under max_frame", async () => {
    const a = await devices.online(server(), "u402");
    const b = await devices.online(server(), "u402b");
    const error = await refused(a, "send", { to: b.deviceId, payloadBytes: 4_194_305 });
    expect(error.code).toBe(402);
    expect(await a.isOpen()).toBe(true);
    const largest = await a.call<Answer>("send", { to: b.deviceId, payloadBytes: 4_194_304 });
    expect(largest.status).toBe(0);
  });

  test("502 limit=messages: past the burst a 0x10 is refused with retry_after, and costs no token", async () => {
    const a = await devices.online(server(), "u502");
    const b = await devices.online(server(), "u502b");
    for (let i = 0; i < 4; i++) {
      expect((await a.call<Answer>("send", { to: b.deviceId, text: `m${i}` })).status).toBe(0);
    }
    const error = await refused(a, "send", { to: b.deviceId, text: "one too many" });
    expect([error.code, error.details.limit]).toEqual([502, "messages"]);
    expect(error.retry_after).toBeGreaterThanOrEqual(1);
    expect(error.retry_after).toBeLessThanOrEqual(10);
    expect(await a.isOpen()).toBe(true);
  });

  test("502 limit=queue (retry_after = full_retry_secs) and limit=disk (storage.max_disk_usage_mb)", async () => {
    const a = await devices.online(fullServer(), "full-a");
    const b = await devices.online(fullServer(), "full-b");
    await b.call("close");
    for (const text of ["one", "two"]) {
      expect((await a.call<Answer>("send", { to: b.deviceId, text })).status).toBe(0);
    }
    const full = await refused(a, "send", { to: b.deviceId, text: "three" });
    expect([full.code, full.details.limit, full.retry_after]).toEqual([502, "queue", 7]);
    const c = await devices.online(fullServer(), "full-c");
    await c.call("close");
    expect((await a.call<Answer>("send", { to: c.deviceId, payloadBytes: 1_100_000 })).status).toBe(0);
    const disk = await refused(a, "send", { to: c.deviceId, text: "no room" });
    expect([disk.code, disk.details.limit]).toEqual([502, "disk"]);
    expect(disk.retry_after).toBeGreaterThanOrEqual(1);
    expect(await a.isOpen()).toBe(true);
  });
});

describe("fatal errors after authentication", () => {
  test("101: a 0x03 after authentication (reason state) closes the connection", async () => {
    const a = await devices.online(server(), "f101a");
    const error = await refusedEvent(a, "raw", { type: 0x03, body: "00".repeat(128) });
    expect([error.code, error.details.reason]).toEqual([101, "state"]);
    await a.closed();
  });

  test("101: a client ack with status 0 (only the server sends it) closes the connection", async () => {
    const a = await devices.online(server(), "f101s");
    const ack = await a.call<{ message_id: string }>("ack", {
      ref: randomId(),
      target: a.deviceId,
      status: 0,
    });
    expect((await a.errorFor(ack.message_id)).code).toBe(101);
    await a.closed();
  });

  test.each([
    ["encrypted_payload below 52 bytes", "send", { payloadBytes: 51 }],
    ["0x30 with 65 device_ids", "raw", { type: 0x30, body: `010041${"00".repeat(32 * 65)}` }],
    ["0x30 with no device_ids", "raw", { type: 0x30, body: "010000" }],
    ["0x30 user_id of 0 bytes", "raw", { type: 0x30, body: "0000000000" }],
    ["0x30 user_id that is not UTF-8", "raw", { type: 0x30, body: "0000000002c0af" }],
    ["a presence message of 257 bytes", "presence", { message: "x".repeat(257) }],
    ["presence status 4", "presence", { status: 4 }],
    ["revoke reason 9", "revoke", { reason: 9 }],
  ])("101 (§3 limits): %s closes the connection", async (_name, cmd, args) => {
    const a = await devices.online(server(), `limits-${randomId().slice(0, 8)}`);
    const target = cmd === "send" ? { to: a.deviceId } : {};
    const error = await refusedEvent(a, cmd, { ...args, ...target });
    expect(error.code).toBe(101);
    await a.closed();
  });

  test("101: an undefined enum value (0x30 kind 2) closes the connection", async () => {
    const a = await devices.online(server(), "f101b");
    const error = await refusedEvent(a, "raw", { type: 0x30, body: "02" });
    expect(error.code).toBe(101);
    await a.closed();
  });

  test("101: a plaintext frame (flags bit 0 clear) after the handshake closes the connection", async () => {
    const a = await devices.online(server(), "f101c");
    const error = await refusedEvent(a, "raw", { type: 0x33, body: "", plaintext: true });
    expect(error.code).toBe(101);
    await a.closed();
  });

  test("402: a frame longer than max_frame is refused from its header and closes the connection", async () => {
    const a = await devices.online(server(), "f402");
    const head = Buffer.alloc(48);
    head.set([1, 1, 0x10, 1]);
    head.writeUInt32BE(4_198_401, 4);
    await a.call("raw", { bytes: head.toString("hex") });
    const [error] = await a.waitFor("error", (e) => e.code === 402);
    expect(error).toBeDefined();
    await a.closed();
  });

  test("202: a device that revoked itself gets status 0, then 202 and the close; it cannot authenticate or register again", async () => {
    const a = await devices.online(server(), "f202");
    const revoked = await a.call<Answer>("revoke", {});
    expect(revoked.status).toBe(0);
    const [error] = await a.waitFor("error", (e) => e.code === 202);
    expect(error?.details).toMatchObject({ reason: "revoked" });
    await a.closed();
    await a.connect(server().port);
    const auth = await a.call<AuthResult & { message_id: string }>("auth");
    expect([auth.error?.code, auth.error?.details.ref]).toEqual([202, auth.message_id]);
    await a.closed();
    await a.connect(server().port);
    const again = await refused(a, "register", { user: "f202" });
    expect(again.code).toBe(202);
    await a.closed();
  });

  test("203: a second authentication of the device supersedes the first session (203 superseded, closed)", async () => {
    const first = await devices.online(server(), "f203");
    const { seed } = await first.call<{ seed: string }>("identity");
    const second = await devices.keyed(server(), "again", seed);
    expect((await second.call<AuthResult>("auth")).error).toBeUndefined();
    const [error] = await first.waitFor("error", (e) => e.code === 203);
    expect(error?.details).toMatchObject({ reason: "superseded" });
    await first.closed();
    expect(await second.isOpen()).toBe(true);
  });
});

test("501: a graceful shutdown sends each session 501 with retry_after, then closes", async () => {
  const survivor = await devices.online(server(), "survivor");
  await server().stop("SIGTERM");
  const [error] = await survivor.waitFor("error", (e) => e.code === 501);
  expect(error?.retry_after).toBeGreaterThanOrEqual(1);
  await survivor.closed();
});
