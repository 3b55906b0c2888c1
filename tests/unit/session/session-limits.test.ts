import { describe, expect, test } from "bun:test";
import { randomBytes } from "../../../src/protocol/bytes.ts";
import { createClientHello } from "../../../src/protocol/client-handshake.ts";
import { buildFrame, decodeHeader, FrameType } from "../../../src/protocol/header.ts";
import { decodeTimeSyncReply } from "../../../src/protocol/messages.ts";
import { Relay } from "../../../src/relay/relay.ts";
import { NCP1_DEFAULTS, type RelaySettings } from "../../../src/relay/settings.ts";
import { relayFrames } from "../../../src/session/relay-frames.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { onlyError, SessionHarness, type SessionShared, testIdentity } from "./session-helpers.ts";

function sharedWith(address: string, settings: Partial<RelaySettings> = {}): SessionShared {
  const relay = new Relay({
    store: new MemoryStore(),
    frames: relayFrames(testIdentity()),
    settings: { ...NCP1_DEFAULTS, ...settings },
  });
  return { relay, address };
}

const timeSync = (nowMs: number) =>
  buildFrame(
    {
      version: 1,
      type: FrameType.timeSync,
      flags: 0,
      timestampMs: BigInt(nowMs),
      messageId: randomBytes(32),
    },
    new Uint8Array(0),
  );

describe("§10 limits a session enforces itself", () => {
  test("handshakes: the 31st ClientHello within a minute from one address gets plaintext 502 and a close; others are not held", () => {
    const shared = sharedWith("192.0.2.30");
    for (let i = 0; i < 30; i++) new SessionHarness(undefined, shared).connect();
    const limited = new SessionHarness(undefined, shared);
    limited.session.onData(createClientHello().frame);
    const error = onlyError(limited.received());
    expect([error.code, error.retryAfterSecs, error.reason]).toEqual([502, 2, "rate_limit"]);
    expect(error.details).toContainEqual(["limit", "handshakes"]);
    expect(limited.closedWith).toBeDefined();
    const elsewhere = new SessionHarness(undefined, { ...shared, address: "192.0.2.31" });
    elsewhere.connect();
    expect(elsewhere.session.state).toBe("keyed");
  });

  test("handshakes: the configured rate and burst", () => {
    const shared = sharedWith("192.0.2.32", {
      limits: { ...NCP1_DEFAULTS.limits, handshakes: { burst: 2, perSecond: 1 / 60 } },
    });
    for (let i = 0; i < 2; i++) new SessionHarness(undefined, shared).connect();
    const limited = new SessionHarness(undefined, shared);
    limited.session.onData(createClientHello().frame);
    expect(onlyError(limited.received()).retryAfterSecs).toBe(60);
  });

  test("time_sync: the configured burst and rate per connection, and time_sync.uncertainty in each reply", () => {
    const shared = sharedWith("192.0.2.33", {
      timeSyncUncertaintyUs: 1234,
      limits: { ...NCP1_DEFAULTS.limits, timeSync: { burst: 2, perSecond: 1 / 30 } },
    });
    const h = new SessionHarness(undefined, shared);
    h.connect();
    for (let i = 0; i < 3; i++) h.sendRecord(timeSync(h.nowMs));
    const frames = h.received();
    expect(frames.map((frame) => decodeHeader(frame).type)).toEqual([
      FrameType.timeSync,
      FrameType.timeSync,
      FrameType.error,
    ]);
    expect(decodeTimeSyncReply(frames[0] as Uint8Array).uncertaintyUs).toBe(1234);
    const error = onlyError(frames.slice(2));
    expect([error.code, error.retryAfterSecs]).toEqual([502, 30]);
    expect(error.details).toContainEqual(["limit", "time_sync"]);
  });
});
