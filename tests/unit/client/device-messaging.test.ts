import { describe, expect, test } from "bun:test";
import { composeMessage, deviceKeys, receiveMessage } from "../../../src/client/device-messaging.ts";
import { checkAckSignature, decodeAck } from "../../../src/protocol/ack.ts";
import { toHex, utf8 } from "../../../src/protocol/bytes.ts";
import {
  buildKeyResponse,
  DeviceState,
  type DirectoryEntry,
  decodeKeyResponse,
} from "../../../src/protocol/directory.ts";
import { buildSend, decodeSend } from "../../../src/protocol/send.ts";
import { ChainTracker, SendChain } from "../../../src/protocol/send-chain.ts";
import { DEVICE_B_SEED } from "../protocol/messaging-vectors.ts";
import { V } from "../protocol/vectors.ts";

const alice = deviceKeys(V.deviceASeed);
const bob = deviceKeys(DEVICE_B_SEED);
const conversation = new Uint8Array(32).fill(0x55);
const text = (t: string) => ({ contentType: 1, metadata: [], body: utf8(t) });

/** Bob's entry as a 0x31 delivers it to Alice. */
function bobEntry(overrides: Partial<DirectoryEntry> = {}): DirectoryEntry {
  const entry = {
    deviceId: bob.deviceId,
    userId: "bob",
    publicKey: bob.publicKey,
    state: DeviceState.active,
    registeredAtMs: V.t0,
    capabilities: 0,
    presence: 0,
    ...overrides,
  };
  const frame = buildKeyResponse({}, { refMessageId: new Uint8Array(32), entries: [entry] });
  return decodeKeyResponse(frame).entries[0] as DirectoryEntry;
}

describe("device messaging over the protocol codecs", () => {
  test("Alice → Bob: shown, acked 1, the ack verifies with Bob's key at Alice", () => {
    const chain = new SendChain();
    const sent = composeMessage(alice, bobEntry(), {
      conversation,
      content: text("hello, bob"),
      chain,
      pad: "PAD-PROFILE-1",
    });
    expect(decodeSend(sent.inner).encryptedPayload.length).toBe(1024);
    const received = receiveMessage(sent.inner, bob, alice.publicKey, new ChainTracker(), {
      timestampMs: V.t0,
    });
    expect(received.verdict).toBe("accept");
    expect(received.content).toEqual(text("hello, bob"));
    const ack = decodeAck(received.ack);
    expect([ack.status, toHex(ack.refMessageId), toHex(ack.targetId)]).toEqual([
      1,
      toHex(sent.messageId),
      toHex(alice.deviceId),
    ]);
    expect(ack.eventTimeMs).toBe(V.t0);
    expect(() => checkAckSignature(ack, { iks: V.iksPublic, acker: bob.publicKey })).not.toThrow();
  });

  test("a chain of three in order is accepted; replaying the first is stale and acked 3", () => {
    const chain = new SendChain();
    const chains = new ChainTracker();
    const frames = ["one", "two", "three"].map(
      (t) =>
        composeMessage(alice, bobEntry(), { conversation, content: text(t), chain, pad: "PAD-PROFILE-4" })
          .inner,
    );
    for (const inner of frames)
      expect(receiveMessage(inner, bob, alice.publicKey, chains).verdict).toBe("accept");
    const replay = receiveMessage(frames[0] as Uint8Array, bob, alice.publicKey, chains);
    expect(replay.verdict).toBe("stale");
    expect(replay.content).toBeUndefined();
    expect(decodeAck(replay.ack).status).toBe(3);
  });

  test("a skipped message is a gap (shown); a re-signed swap of payloads fails to decrypt", () => {
    const chain = new SendChain();
    const chains = new ChainTracker();
    const first = composeMessage(alice, bobEntry(), {
      conversation,
      content: text("a"),
      chain,
      pad: "PAD-PROFILE-4",
    });
    composeMessage(alice, bobEntry(), { conversation, content: text("lost"), chain, pad: "PAD-PROFILE-4" });
    const third = composeMessage(alice, bobEntry(), {
      conversation,
      content: text("c"),
      chain,
      pad: "PAD-PROFILE-4",
    });
    expect(receiveMessage(first.inner, bob, alice.publicKey, chains).verdict).toBe("accept");
    expect(receiveMessage(third.inner, bob, alice.publicKey, chains).verdict).toBe("gap");
    const body = decodeSend(first.inner);
    const swapped = buildSend(
      {},
      { ...body, encryptedPayload: decodeSend(third.inner).encryptedPayload },
      alice.signing,
    );
    const result = receiveMessage(swapped, bob, alice.publicKey, new ChainTracker());
    expect([result.verdict, result.reason, decodeAck(result.ack).status]).toEqual(["rejected", "decrypt", 3]);
  });

  test("a wrong sender key, a changed byte, or a message for another device: rejected, acked 3", () => {
    const sent = composeMessage(alice, bobEntry(), {
      conversation,
      content: text("x"),
      chain: new SendChain(),
      pad: "PAD-PROFILE-4",
    });
    expect(receiveMessage(sent.inner, bob, bob.publicKey, new ChainTracker()).reason).toBe("signature");
    const changed = sent.inner.slice();
    changed[200] = (changed[200] as number) ^ 1;
    expect(receiveMessage(changed, bob, alice.publicKey, new ChainTracker()).reason).toBe("signature");
    expect(receiveMessage(sent.inner, alice, alice.publicKey, new ChainTracker()).reason).toBe("addressing");
  });

  test("nothing is sealed to a forged, pending or revoked entry", () => {
    const compose = (entry: DirectoryEntry) => () =>
      composeMessage(alice, entry, {
        conversation,
        content: text("x"),
        chain: new SendChain(),
        pad: "PAD-PROFILE-4",
      });
    expect(compose(bobEntry({ publicKey: alice.publicKey }))).toThrow(RangeError);
    expect(compose(bobEntry({ state: DeviceState.registered }))).toThrow(RangeError);
    expect(compose(bobEntry({ state: DeviceState.revoked }))).toThrow(RangeError);
  });
});
