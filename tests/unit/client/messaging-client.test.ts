import { afterEach, describe, expect, test } from "bun:test";
import type { NcpClientError } from "../../../src/client/client-error.ts";
import type { InboundMessage } from "../../../src/client/client-events.ts";
import { composeMessage, deviceKeys } from "../../../src/client/device-messaging.ts";
import { buildClientAck, buildServerAck, decodeAck } from "../../../src/protocol/ack.ts";
import { fromHex, randomBytes, toHex } from "../../../src/protocol/bytes.ts";
import type { DirectoryEntry } from "../../../src/protocol/directory.ts";
import { contentText } from "../../../src/protocol/e2e-content.ts";
import { FrameType } from "../../../src/protocol/header.ts";
import { buildSend, decodeSend } from "../../../src/protocol/send.ts";
import { SendChain } from "../../../src/protocol/send-chain.ts";
import { until } from "../../helpers/until.ts";
import { ClientHarness, text } from "./client-harness.ts";

let harness: ClientHarness;
afterEach(() => harness.stop());

const conversation = randomBytes(32);
const sendsWithId = (h: ClientHarness, id: string) =>
  h.server.received(FrameType.send).filter((inner) => toHex(inner.subarray(16, 48)) === id).length;
const acksFrom = (h: ClientHarness, id: string) =>
  h.server
    .received(FrameType.ack)
    .map((inner) => decodeAck(inner))
    .filter((ack) => toHex(ack.refMessageId) === id);

describe("messaging client: send and receive", () => {
  test("online: Bob shows the text and acks 1; Alice's send is accepted and she gets Bob's receipt", async () => {
    harness = new ClientHarness();
    const alice = harness.client(harness.device("alice"));
    const bob = harness.client(harness.device("bob"));
    await alice.client.start();
    await bob.client.start();
    const [bobEntry] = (await alice.client.lookup({ kind: 0, userId: "bob" })) as [DirectoryEntry];
    const sent = alice.client.send(bobEntry, text("hello, bob"), conversation);
    await sent.accepted;
    await until(() => bob.messages.length === 1 && alice.receipts.length === 1, "delivery and receipt");
    const [message] = bob.messages as [InboundMessage];
    expect(contentText(message.content)).toBe("hello, bob");
    expect([message.messageId, message.senderUser, message.gap]).toEqual([sent.messageId, "alice", false]);
    expect(alice.receipts[0]).toMatchObject({ ref: sent.messageId, status: 1, by: toHex(bob.keys.deviceId) });
    expect(harness.server.relay.queues.get(toHex(bob.keys.deviceId))).toEqual([]);
  });

  test("offline: queued while Bob is away, delivered in order when he connects", async () => {
    harness = new ClientHarness();
    const alice = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await alice.client.start();
    const sends = ["one", "two", "three"].map((t) =>
      alice.client.send(harness.entry(bobKeys), text(t), conversation),
    );
    await Promise.all(sends.map((s) => s.accepted));
    const bob = harness.client(bobKeys);
    const limits = await bob.client.start();
    expect(limits.queued).toBe(3);
    await until(() => bob.messages.length === 3, "three messages");
    expect(bob.messages.map((m) => contentText(m.content))).toEqual(["one", "two", "three"]);
    expect(bob.messages.map((m) => m.gap)).toEqual([false, false, false]);
  });

  test("no status 0 within the resend time: resent with the same message_id, shown once", async () => {
    let withheld = 0;
    harness = new ClientHarness({ onSend: () => (withheld++ === 0 ? "withhold" : undefined) });
    const alice = harness.client(harness.device("alice"));
    const bob = harness.client(harness.device("bob"));
    await alice.client.start();
    await bob.client.start();
    const sent = alice.client.send(harness.entry(bob.keys), text("once"), conversation);
    await sent.accepted;
    expect(sendsWithId(harness, sent.messageId)).toBe(2);
    const [first, second] = harness.server.received(FrameType.send) as [Uint8Array, Uint8Array];
    expect(decodeSend(first).encryptedPayload).toEqual(decodeSend(second).encryptedPayload);
    await until(() => bob.messages.length === 1, "the message");
    await bob.client.idle();
    expect(bob.messages).toHaveLength(1);
  });

  test("the connection drops with a message outstanding: reconnect, resend, accepted", async () => {
    harness = new ClientHarness({ onSend: () => "withhold" });
    const alice = harness.client(harness.device("alice"), {
      timing: { resendAfterMs: 60_000, backoff: { baseMs: 20, maxMs: 50, jitter: 0 } },
    });
    const bobKeys = harness.device("bob");
    await alice.client.start();
    const sent = alice.client.send(harness.entry(bobKeys), text("x"), conversation);
    await until(() => sendsWithId(harness, sent.messageId) === 1, "the first send");
    harness.server.relay.options.onSend = undefined;
    harness.server.dropAll();
    await sent.accepted;
    expect(sendsWithId(harness, sent.messageId)).toBe(2);
    expect(alice.offline.map((e) => e.kind)).toEqual(["closed"]);
    expect(alice.online).toBe(2);
  });

  test("502 queue full: waits retry_after, then the same message is accepted; 400 fails the send", async () => {
    let refusals = 0;
    harness = new ClientHarness({
      onSend: () => (refusals++ === 0 ? { code: 502, retryAfterSecs: 1, reason: "queue_full" } : undefined),
    });
    const alice = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await alice.client.start();
    const sent = alice.client.send(harness.entry(bobKeys), text("later"), conversation);
    await sent.accepted;
    expect(sendsWithId(harness, sent.messageId)).toBe(2);
    const ghost = { ...harness.entry(bobKeys) };
    harness.server.relay.devices.delete(toHex(bobKeys.deviceId));
    const refused = (await alice.client
      .send(ghost, text("nobody"), conversation)
      .accepted.catch((e) => e)) as NcpClientError;
    expect([refused.code, refused.details.reason]).toEqual([400, "unknown"]);
    expect(alice.client.unaccepted).toBe(0);
  });

  test("502 to the first of a chain while the later ones are accepted: resealed at the chain's end, none stale", async () => {
    let refusals = 0;
    harness = new ClientHarness({
      onSend: () => (refusals++ === 0 ? { code: 502, retryAfterSecs: 1, reason: "rate_limited" } : undefined),
    });
    const alice = harness.client(harness.device("alice"));
    const bob = harness.client(harness.device("bob"));
    await alice.client.start();
    await bob.client.start();
    const texts = ["one", "two", "three", "four"];
    const sends = texts.map((t) => alice.client.send(harness.entry(bob.keys), text(t), conversation));
    await Promise.all(sends.map((s) => s.accepted));
    await until(() => bob.messages.length + bob.rejected.length === 4, "four deliveries");
    expect(bob.rejected).toEqual([]);
    expect(bob.messages.map((m) => contentText(m.content))).toEqual(["two", "three", "four", "one"]);
    expect(bob.messages.map((m) => m.messageId)).toEqual(
      [1, 2, 3, 0].map((n) => sends[n]?.messageId as string),
    );
    const [refused, resent] = harness.server
      .received(FrameType.send)
      .filter((inner) => toHex(inner.subarray(16, 48)) === sends[0]?.messageId)
      .map((inner) => decodeSend(inner).sequence);
    expect(resent).toBe((refused as bigint) + 4n);
  });

  test("502 to the last of its chain: resent as it was, and a newer message waits behind it", async () => {
    let refusals = 0;
    harness = new ClientHarness({
      onSend: () => (refusals++ === 0 ? { code: 502, retryAfterSecs: 1, reason: "rate_limited" } : undefined),
    });
    const alice = harness.client(harness.device("alice"));
    const bob = harness.client(harness.device("bob"));
    await alice.client.start();
    await bob.client.start();
    const first = alice.client.send(harness.entry(bob.keys), text("first"), conversation);
    await until(() => alice.client.unaccepted === 1 && refusals === 1, "the refusal");
    await Bun.sleep(50);
    const second = alice.client.send(harness.entry(bob.keys), text("second"), conversation);
    await Promise.all([first.accepted, second.accepted]);
    await until(() => bob.messages.length + bob.rejected.length === 2, "two deliveries");
    expect(bob.rejected).toEqual([]);
    expect(bob.messages.map((m) => [contentText(m.content), m.gap])).toEqual([
      ["first", false],
      ["second", false],
    ]);
    expect(sendsWithId(harness, first.messageId)).toBe(2);
    expect(sendsWithId(harness, second.messageId)).toBe(1);
  });
});

describe("messaging client: the recipient rules", () => {
  async function pair() {
    harness = new ClientHarness();
    const alice = harness.device("alice");
    const bob = harness.client(harness.device("bob"));
    await bob.client.start();
    const chain = new SendChain();
    const inject = (inner: Uint8Array) =>
      harness.server.relay.enqueue(toHex(bob.keys.deviceId), {
        id: toHex(inner.subarray(16, 48)),
        inner,
        receipt: false,
        sender: toHex(alice.deviceId),
      });
    const compose = (t: string, c = chain) =>
      composeMessage(alice, harness.entry(bob.keys), {
        conversation,
        content: text(t),
        chain: c,
        pad: "PAD-PROFILE-1",
      });
    return { alice, bob, inject, compose };
  }

  test("a redelivered message_id is acked 1 again but not shown (dedupe)", async () => {
    const { bob, inject, compose } = await pair();
    const message = compose("once");
    inject(message.inner);
    await until(() => bob.messages.length === 1, "the message");
    for (const connection of harness.server.connections) connection.pushed.clear();
    inject(message.inner);
    const id = toHex(message.messageId);
    await until(() => acksFrom(harness, id).length === 2, "the second ack");
    expect(acksFrom(harness, id).map((ack) => ack.status)).toEqual([1, 1]);
    expect(bob.messages).toHaveLength(1);
  });

  test("a bad signature is rejected and acked 3", async () => {
    const { bob, inject, compose } = await pair();
    const message = compose("forged");
    const broken = message.inner.slice();
    broken[broken.length - 1] = (broken[broken.length - 1] as number) ^ 1;
    inject(broken);
    const id = toHex(message.messageId);
    await until(() => acksFrom(harness, id).length === 1, "the ack");
    expect(acksFrom(harness, id)[0]?.status).toBe(3);
    expect(bob.rejected).toMatchObject([{ messageId: id, reason: "signature", alert: false }]);
    expect(bob.messages).toEqual([]);
  });

  test("an old chain position under a new message_id is stale, a re-signed copy fails to decrypt; a skip is a gap", async () => {
    const { alice, bob, inject, compose } = await pair();
    const first = compose("one");
    compose("two (lost)");
    const third = compose("three");
    inject(first.inner);
    inject(third.inner);
    const old = { sequence: decodeSend(first.inner).sequence, prevMessageHash: new Uint8Array(32) };
    const stale = compose("one again", new SendChain(old));
    inject(stale.inner);
    const copy = buildSend({}, decodeSend(first.inner), alice.signing);
    inject(copy);
    const [staleId, copyId] = [toHex(stale.messageId), toHex(copy.subarray(16, 48))];
    await until(() => acksFrom(harness, copyId).length === 1, "the copy's ack");
    expect(bob.messages.map((m) => [contentText(m.content), m.gap])).toEqual([
      ["one", false],
      ["three", true],
    ]);
    expect([acksFrom(harness, staleId)[0]?.status, acksFrom(harness, copyId)[0]?.status]).toEqual([3, 3]);
    expect(bob.rejected.map((r) => [r.messageId, r.reason])).toEqual([
      [staleId, "stale"],
      [copyId, "decrypt"],
    ]);
  });

  test("a chain link with the wrong hash is broken: integrity alert, acked 3", async () => {
    const { bob, inject, compose } = await pair();
    const first = compose("one");
    inject(first.inner);
    const next = { sequence: decodeSend(first.inner).sequence + 1n, prevMessageHash: randomBytes(32) };
    const fork = compose("forked", new SendChain(next));
    inject(fork.inner);
    const id = toHex(fork.messageId);
    await until(() => acksFrom(harness, id).length === 1, "the fork's ack");
    expect(acksFrom(harness, id)[0]?.status).toBe(3);
    expect(bob.rejected).toMatchObject([{ messageId: id, reason: "broken", alert: true }]);
    expect(bob.messages.map((m) => contentText(m.content))).toEqual(["one"]);
  });
});

describe("messaging client: receipts", () => {
  test("a server status 3 (expired or revoked) is reported as a server receipt; a forged device receipt is dropped", async () => {
    harness = new ClientHarness();
    const alice = harness.client(harness.device("alice"));
    const bobKeys = harness.device("bob");
    await alice.client.start();
    const sent = alice.client.send(harness.entry(bobKeys), text("ttl"), conversation);
    await sent.accepted;
    const ref = fromHex(sent.messageId);
    const expiry = buildServerAck(
      {},
      { refMessageId: ref, status: 3, eventTimeMs: 5n, targetId: alice.keys.deviceId },
      harness.server.identity.privateKey,
    );
    const forged = buildClientAck(
      {},
      { refMessageId: ref, status: 2, eventTimeMs: 6n, targetId: alice.keys.deviceId },
      deviceKeys(randomBytes(32)).signing,
    );
    const aliceId = toHex(alice.keys.deviceId);
    for (const inner of [forged, expiry]) {
      harness.server.relay.enqueue(aliceId, {
        id: toHex(inner.subarray(16, 48)),
        inner,
        receipt: true,
        sender: "",
      });
    }
    await until(
      () => alice.receipts.length === 1 && alice.problems.length === 1,
      "the receipt and the problem",
    );
    expect(alice.receipts).toEqual([{ ref: sent.messageId, status: 3, by: "server", eventTimeMs: 5 }]);
  });
});
