import { describe, expect, test } from "bun:test";
import { ByteWriter, randomBytes, toHex } from "../../../src/protocol/bytes.ts";
import { createClientHello } from "../../../src/protocol/client-handshake.ts";
import { buildFrame, decodeHeader, FrameType, HEADER_SIZE } from "../../../src/protocol/header.ts";
import { encodeClientHello } from "../../../src/protocol/hello.ts";
import {
  ed25519PrivateKey,
  rawPublicKey,
  signEd25519,
  verifyEd25519Raw,
} from "../../../src/protocol/keys.ts";
import {
  authSignatureInput,
  buildAuthRequest,
  decodeTimeSyncReply,
  deviceIdOf,
} from "../../../src/protocol/messages.ts";
import { V } from "../protocol/vectors.ts";
import { newSessionShared, onlyError, SessionHarness } from "./session-helpers.ts";

const header = (type: number, nowMs: number) => ({
  version: 1,
  type,
  flags: 0,
  timestampMs: BigInt(nowMs),
  messageId: randomBytes(32),
});

function helloWith(options: { versions?: [number, number, number][]; capabilities?: string[] }): Uint8Array {
  return encodeClientHello(
    { version: 1, timestampMs: 0n, messageId: randomBytes(32) },
    {
      versions: (options.versions ?? [[1, 0, 0]]).map(([major, minor, patch]) => ({ major, minor, patch })),
      capabilities: options.capabilities ?? V.capabilities,
      clientNonce: randomBytes(32),
      clientEphemeral: V.ekcPublic,
    },
  );
}

function registerFrame(nowMs: number, seed = V.deviceASeed, sign = true): Uint8Array {
  const key = ed25519PrivateKey(seed);
  const fields = new ByteWriter().raw(rawPublicKey(key)).string("alice").string("phone").u32(0).finish();
  const frame = buildFrame(header(FrameType.register, nowMs), new Uint8Array(fields.length + 64));
  frame.set(fields, HEADER_SIZE);
  if (sign) frame.set(signEd25519(key, frame.subarray(0, frame.length - 64)), frame.length - 64);
  return frame;
}

describe("AWAIT_HELLO", () => {
  test("a handshake fed one byte at a time completes, and pings are answered, signed with IKs", () => {
    const h = new SessionHarness();
    const handshake = h.connect(true);
    expect(h.session.state).toBe("keyed");
    expect(handshake.algset).toBe(V.algset);
    for (let i = 0; i < 3; i++)
      h.sendRecord(buildFrame(header(FrameType.timeSync, h.nowMs), new Uint8Array(0)));
    const replies = h.received();
    expect(replies.length).toBe(3);
    for (const reply of replies) {
      const body = decodeTimeSyncReply(reply);
      expect(body.serverTimeUs).toBe(BigInt(h.nowMs) * 1000n);
      expect(body.uncertaintyUs).toBe(50_000);
      expect(verifyEd25519Raw(V.iksPublic, body.signed, body.signature)).toBe(true);
    }
    expect(h.closedWith).toBeUndefined();
  });

  test("a first frame that is not 0x00 gets plaintext 101 and a close", () => {
    const h = new SessionHarness();
    h.session.onData(buildFrame(header(FrameType.timeSync, 0), new Uint8Array(0)));
    const error = onlyError(h.received());
    expect(error.code).toBe(101);
    expect(h.closedWith).toBeDefined();
  });

  test("length below 48 is 101; above 16 384 is 402 before the frame is buffered", () => {
    const short = new SessionHarness();
    short.session.onData(Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 47));
    expect(onlyError(short.received()).code).toBe(101);
    const large = new SessionHarness();
    large.session.onData(Uint8Array.of(1, 1, 0, 0, 0, 0, 0x40, 0x01));
    expect(onlyError(large.received()).code).toBe(402);
    expect(large.closedWith).toBeDefined();
  });

  test.each([
    ["no norc-c.core.v1", { capabilities: V.capabilities.slice(1) }, 102],
    ["version 3.0.0 only", { versions: [[3, 0, 0]] as [number, number, number][] }, 100],
    ["version 1.2.0 only (minor must match)", { versions: [[1, 2, 0]] as [number, number, number][] }, 100],
    ["no kem.x25519", { capabilities: V.capabilities.filter((c) => c !== "kem.x25519") }, 102],
    ["cap.fips.v1 (not offered)", { capabilities: [...V.capabilities, "cap.fips.v1"] }, 102],
    ["no padding profile", { capabilities: V.capabilities.filter((c) => !c.startsWith("PAD")) }, 102],
  ])("%s: plaintext error %d then close", (_name, options, code) => {
    const h = new SessionHarness();
    const hello = helloWith(options);
    h.session.onData(hello);
    const error = onlyError(h.received());
    expect(error.code).toBe(code);
    expect(error.ref).toBe(toHex(hello.subarray(16, 48)));
    expect(decodeHeader(h.sent[0] as Uint8Array).flags).toBe(0);
    expect(h.closedWith).toBeDefined();
  });

  test("2.0.0 and 1.0.0 offered: the server picks 1.0; unknown capabilities are ignored", () => {
    const h = new SessionHarness();
    const hello = createClientHello({
      versions: [
        { major: 2, minor: 0, patch: 0 },
        { major: 1, minor: 0, patch: 0 },
      ],
      capabilities: [...V.capabilities, "x.unknown", "x.unknown"],
    });
    h.session.onData(hello.frame);
    expect(h.session.state).toBe("keyed");
  });

  test("timeout: 101 reason=timeout, in plaintext before keys and as a record after", () => {
    const before = new SessionHarness();
    before.session.onTimeout();
    const plain = onlyError(before.received());
    expect([plain.code, plain.reason]).toEqual([101, "timeout"]);
    const after = new SessionHarness();
    after.connect();
    after.session.onTimeout();
    const sealed = onlyError(after.received());
    expect([sealed.code, sealed.reason]).toEqual([101, "timeout"]);
    expect(after.closedWith).toBeDefined();
  });

  test("shutdown: 501 with retry_after", () => {
    const h = new SessionHarness();
    h.connect();
    h.session.onShutdown(5);
    const error = onlyError(h.received());
    expect([error.code, error.retryAfterSecs]).toEqual([501, 5]);
  });
});

describe("KEYED", () => {
  test("a tampered record closes the connection without sending anything", () => {
    const h = new SessionHarness();
    h.connect();
    const record = (h.tx as NonNullable<typeof h.tx>).seal(
      buildFrame(header(FrameType.timeSync, h.nowMs), new Uint8Array(0)),
    );
    record[record.length - 1] = (record[record.length - 1] as number) ^ 1;
    const sentBefore = h.sent.length;
    h.session.onData(record);
    expect(h.sent.length).toBe(sentBefore);
    expect(h.closedWith).toBe("record authentication failed");
  });

  test("a plaintext frame after the handshake is a fatal 101 (sent as a record)", () => {
    const h = new SessionHarness();
    h.connect();
    h.session.onData(buildFrame(header(FrameType.timeSync, h.nowMs), new Uint8Array(0)));
    expect(onlyError(h.received()).code).toBe(101);
    expect(h.closedWith).toBeDefined();
  });

  test("0x10 before authentication: 303 with ref, then close", () => {
    const h = new SessionHarness();
    h.connect();
    const frame = buildFrame(header(FrameType.send, h.nowMs), new Uint8Array(10));
    h.sendRecord(frame);
    const error = onlyError(h.received());
    expect(error.code).toBe(303);
    expect(error.ref).toBe(toHex(frame.subarray(16, 48)));
  });

  test("0x02 Register: 303 registration_closed; bad signature 200; stale 103; malformed 101", async () => {
    const cases: [Uint8Array | ((now: number) => Uint8Array), number, string | undefined][] = [
      [(now) => registerFrame(now), 303, "registration_closed"],
      [(now) => registerFrame(now, V.deviceASeed, false), 200, "signature"],
      [(now) => registerFrame(now - 301_000), 103, "clock_skew"],
      [(now) => buildFrame(header(FrameType.register, now), new Uint8Array(70)), 101, undefined],
    ];
    for (const [make, code, reason] of cases) {
      const h = new SessionHarness();
      h.connect();
      h.sendRecord(typeof make === "function" ? make(h.nowMs) : make);
      await h.settle();
      const error = onlyError(h.received());
      expect([error.code, error.reason]).toEqual([code, reason]);
      expect(h.closedWith).toBeDefined();
    }
  });

  test("0x03 Auth of a correctly signed device: 201 (no devices); wrong device_id: 200", async () => {
    const key = ed25519PrivateKey(V.deviceASeed);
    for (const [wrongId, code] of [
      [false, 201],
      [true, 200],
    ] as const) {
      const h = new SessionHarness();
      const { th } = h.connect();
      const deviceId = wrongId ? randomBytes(32) : deviceIdOf(V.deviceAPublic);
      const signature = signEd25519(key, authSignatureInput(deviceId, th));
      h.sendRecord(
        buildAuthRequest(
          { version: 1, timestampMs: BigInt(h.nowMs), messageId: randomBytes(32) },
          { deviceId, devicePublicKey: V.deviceAPublic, signature },
        ),
      );
      await h.settle();
      expect(onlyError(h.received()).code).toBe(code);
    }
  });

  test("registrations: the fourth 0x02 within the hour from one address is refused with 502 before any other check", async () => {
    const shared = newSessionShared("192.0.2.8");
    const attempt = async () => {
      const h = new SessionHarness(undefined, shared);
      h.connect();
      h.sendRecord(registerFrame(h.nowMs - 400_000));
      await h.settle();
      return onlyError(h.received());
    };
    for (let i = 0; i < 3; i++) expect((await attempt()).code).toBe(103);
    const limited = await attempt();
    expect([limited.code, limited.retryAfterSecs]).toEqual([502, 1200]);
    expect(limited.details).toContainEqual(["limit", "registrations"]);
  });

  test("auth_failures: five failed 0x03 from one address lock it out for 300 s (502); a stale timestamp does not count", async () => {
    const shared = newSessionShared("192.0.2.7");
    const key = ed25519PrivateKey(V.deviceASeed);
    const attempt = async (skewMs = 0) => {
      const h = new SessionHarness(undefined, shared);
      const { th } = h.connect();
      const deviceId = deviceIdOf(V.deviceAPublic);
      h.sendRecord(
        buildAuthRequest(
          { version: 1, timestampMs: BigInt(h.nowMs + skewMs), messageId: randomBytes(32) },
          {
            deviceId,
            devicePublicKey: V.deviceAPublic,
            signature: signEd25519(key, authSignatureInput(deviceId, th)),
          },
        ),
      );
      await h.settle();
      return onlyError(h.received());
    };
    expect((await attempt(60_000)).code).toBe(103);
    for (let i = 0; i < 5; i++) expect((await attempt()).code).toBe(201);
    const locked = await attempt();
    expect([locked.code, locked.retryAfterSecs, locked.reason]).toEqual([502, 300, "lockout"]);
    expect(locked.details).toContainEqual(["limit", "auth_failures"]);
  });

  test("time sync beyond its burst of 10: 502 with retry_after and limit=time_sync", () => {
    const h = new SessionHarness();
    h.connect();
    for (let i = 0; i < 11; i++)
      h.sendRecord(buildFrame(header(FrameType.timeSync, h.nowMs), new Uint8Array(0)));
    const frames = h.received();
    expect(frames.length).toBe(11);
    const error = onlyError(frames.slice(10));
    expect([error.code, error.retryAfterSecs]).toEqual([502, 1]);
    expect(error.details).toContainEqual(["limit", "time_sync"]);
  });
});
