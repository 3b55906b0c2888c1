import { describe, expect, test } from "bun:test";
import { randomBytes } from "../../../src/protocol/bytes.ts";
import { createClientHello } from "../../../src/protocol/client-handshake.ts";
import { detail } from "../../../src/protocol/error-frame.ts";
import { buildFrame, FrameType } from "../../../src/protocol/header.ts";
import { decodeTimeSyncReply } from "../../../src/protocol/messages.ts";
import { Relay } from "../../../src/relay/relay.ts";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import { relayFrames } from "../../../src/session/relay-frames.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { onlyError, SessionHarness, type SessionShared, testIdentity } from "./session-helpers.ts";

/** A relay whose `time_sync` and `handshakes` buckets and time-sync uncertainty are not the defaults. */
function sharedWithLimits(address: string): SessionShared {
  const identity = testIdentity();
  const settings = {
    ...NCP1_DEFAULTS,
    timeSyncUncertaintyUs: 1234,
    limits: {
      ...NCP1_DEFAULTS.limits,
      timeSync: { burst: 2, perSecond: 0.1 },
      handshakes: { burst: 2, perSecond: 1 / 30 },
    },
  };
  return { relay: new Relay({ store: new MemoryStore(), frames: relayFrames(identity), settings }), address };
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

describe("§10 limits taken from the settings", () => {
  test("time_sync: the configured burst per connection, then 502 limit=time_sync with retry_after; replies announce time_sync.uncertainty", () => {
    const h = new SessionHarness(testIdentity(), sharedWithLimits("10.0.0.1"));
    h.connect();
    for (let i = 0; i < 2; i++) h.sendRecord(timeSync(h.nowMs));
    const replies = h.received();
    expect(replies.map((reply) => decodeTimeSyncReply(reply).uncertaintyUs)).toEqual([1234, 1234]);
    h.sendRecord(timeSync(h.nowMs));
    const error = onlyError(h.received());
    expect([error.code, detail(error, "limit"), error.retryAfterSecs]).toEqual([502, "time_sync", 10]);
    expect(h.closedWith).toBeDefined();
  });

  test("handshakes: the configured burst per source address, then a plaintext 502 limit=handshakes and the close", () => {
    const shared = sharedWithLimits("10.0.0.2");
    for (let i = 0; i < 2; i++) {
      const h = new SessionHarness(testIdentity(), shared);
      h.connect();
      expect(h.session.state).toBe("keyed");
    }
    const refused = new SessionHarness(testIdentity(), shared);
    const hello = createClientHello();
    refused.session.onData(hello.frame);
    const error = onlyError(refused.received());
    expect([error.code, detail(error, "limit"), error.retryAfterSecs]).toEqual([502, "handshakes", 30]);
    expect(error.ref).toBe(Buffer.from(hello.frame.subarray(16, 48)).toString("hex"));
    expect(refused.closedWith).toBeDefined();
    const elsewhere = new SessionHarness(testIdentity(), { ...shared, address: "10.0.0.3" });
    elsewhere.connect();
    expect(elsewhere.session.state).toBe("keyed");
  });
});
