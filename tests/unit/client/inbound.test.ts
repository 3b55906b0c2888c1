import { describe, expect, test } from "bun:test";
import { composeMessage, deviceKeys } from "../../../src/client/device-messaging.ts";
import { DirectoryCache } from "../../../src/client/directory-cache.ts";
import { Inbound } from "../../../src/client/inbound.ts";
import { MemorySeenStore } from "../../../src/client/seen-store.ts";
import { decodeAck } from "../../../src/protocol/ack.ts";
import { randomBytes, toHex, utf8 } from "../../../src/protocol/bytes.ts";
import { DeviceState } from "../../../src/protocol/directory.ts";
import { ChainTracker, SendChain } from "../../../src/protocol/send-chain.ts";

describe("Inbound", () => {
  test("a repeated delivery handled after its session ended is acked status 1 on the local clock, not a problem", async () => {
    const [sender, me] = [deviceKeys(randomBytes(32)), deviceKeys(randomBytes(32))];
    const entry = {
      deviceId: me.deviceId,
      userId: "me",
      publicKey: me.publicKey,
      state: DeviceState.active,
      registeredAtMs: 0n,
      capabilities: 0,
      presence: 0,
    };
    const content = { contentType: 1, metadata: [] as [string, string][], body: utf8("hi") };
    const message = {
      conversation: new Uint8Array(32),
      content,
      chain: new SendChain(),
      pad: "PAD-PROFILE-1" as const,
    };
    const { inner, messageId } = composeMessage(sender, entry, message);
    const seen = new MemorySeenStore();
    seen.add(toHex(messageId), Date.now());
    const acks: Uint8Array[] = [];
    const problems: Error[] = [];
    const inbound = new Inbound({
      me,
      directory: new DirectoryCache(async () => [], 60_000),
      seen,
      chains: new ChainTracker(),
      serverKey: () => new Uint8Array(32),
      stamp: () => ({}), // no session now: the client's stamp has no clock offset to give
      sendAck: (ack) => acks.push(ack),
      events: { problem: (error) => problems.push(error) },
    });
    const before = Date.now();
    inbound.delivery(inner);
    await inbound.idle();
    expect(problems).toEqual([]);
    const ack = decodeAck(acks[0] as Uint8Array);
    expect([ack.status, toHex(ack.refMessageId)]).toEqual([1, toHex(messageId)]);
    expect(Number(ack.eventTimeMs)).toBeGreaterThanOrEqual(before);
  });
});
