import { describe, expect, test } from "bun:test";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import type { QueueEntry } from "../../../src/store/records.ts";
import { FakeSession } from "./fake-session.ts";
import {
  ackRequest,
  addDevice,
  devOf,
  NOW,
  newRelay,
  queueOf,
  refusal,
  sendRequest,
  text,
} from "./relay-helpers.ts";

/** A session whose wake() pulls through its cursor into `pushed`, as src/session will. */
function pullingSession(relay: ReturnType<typeof newRelay>["relay"], device: number) {
  const pushed: QueueEntry[] = [];
  const holder: { pull?: () => Promise<number> } = {};
  const session = new FakeSession(devOf(device), undefined, () => void holder.pull?.());
  const { cursor, previous } = relay.attach(session);
  holder.pull = () => cursor.drain((entry) => pushed.push(entry) > 0);
  return {
    session,
    cursor,
    previous,
    pushed,
    pull: holder.pull,
    frames: () => pushed.map((e) => text(e.frame)),
  };
}

describe("store and forward through the relay", () => {
  test("offline recipient: queued in order, pushed on its session, again on the next one until acked", async () => {
    const { relay, store } = newRelay();
    await addDevice(store, 1, "alice");
    await addDevice(store, 2, "bob");
    const sent = [sendRequest(1, 2), sendRequest(1, 2), sendRequest(1, 2)];
    for (const request of sent) await relay.send(request);

    const first = pullingSession(relay, 2);
    await first.pull();
    expect(first.frames()).toEqual(sent.map((s) => text(s.frame)));
    await relay.ack(ackRequest(2, 1, sent[0]?.messageId ?? new Uint8Array()));

    const second = pullingSession(relay, 2);
    expect(second.previous).toBe(first.session);
    expect(first.session.closes).toEqual([{ code: 203, reason: "superseded" }]);
    await second.pull();
    expect(second.frames()).toEqual(sent.slice(1).map((s) => text(s.frame)));

    await relay.send(sendRequest(1, 2));
    await second.cursor.settled();
    expect(first.pushed).toHaveLength(3);
    expect(second.pushed).toHaveLength(3);

    await relay.detach(first.session, NOW);
    await relay.detach(second.session, NOW);
    expect(await queueOf(store, 2)).toHaveLength(3);
  });

  test("applySettings: a changed limit applies at once, an unchanged bucket keeps its state", async () => {
    const tight = { burst: 1, perSecond: 1 / 3600 };
    const { relay, store } = newRelay({
      registrationPolicy: "open",
      limits: { ...NCP1_DEFAULTS.limits, messages: tight, registrations: tight },
    });
    await addDevice(store, 1, "alice");
    await addDevice(store, 2, "bob");
    await relay.send(sendRequest(1, 2));
    expect((await refusal(relay.send(sendRequest(1, 2)))).limit).toBe("messages");
    const register = {
      nowMs: NOW,
      address: "10.0.0.1",
      timestampMs: NOW,
      userId: "carol",
      deviceInfo: "",
      capabilities: 0,
      verifySignature: () => true,
    };
    await relay.register({
      ...register,
      messageId: new Uint8Array(32),
      publicKey: new Uint8Array(32).fill(40),
    });
    relay.applySettings({
      ...relay.settings,
      registrationPolicy: "closed",
      limits: { ...relay.settings.limits, messages: { burst: 5, perSecond: 1 } },
    });
    await relay.send(sendRequest(1, 2));
    const again = { ...register, messageId: new Uint8Array(32), publicKey: new Uint8Array(32).fill(41) };
    expect((await refusal(relay.register(again))).limit).toBe("registrations");
    const elsewhere = { ...again, address: "10.0.0.2", userId: "dave" };
    expect((await refusal(relay.register(elsewhere))).reason).toBe("registration_closed");
  });

  test("stats: accepted, duplicates, pushes with their latency, acks and refusals by code", async () => {
    const { relay, store, setClock } = newRelay();
    await addDevice(store, 1, "alice");
    await addDevice(store, 2, "bob");
    const latencies: number[] = [];
    relay.stats.onPushed = (_entry, latencyMs) => latencies.push(latencyMs);
    const message = sendRequest(1, 2);
    await relay.send(message);
    await relay.send({ ...message });
    await refusal(relay.send(sendRequest(1, 9)));
    await refusal(relay.send(sendRequest(1, 9)));
    await refusal(relay.send(sendRequest(2, 1, { verifySignature: () => false })));
    setClock(NOW + 250);
    await pullingSession(relay, 2).pull();
    await relay.ack(ackRequest(2, 1, message.messageId));
    const { messagesAccepted, duplicatesAccepted, messagesPushed, messagesAcked } = relay.stats;
    expect([messagesAccepted, duplicatesAccepted, messagesPushed, messagesAcked]).toEqual([1, 1, 1, 1]);
    expect(latencies).toEqual([250]);
    expect([...relay.stats.refusedByCode]).toEqual([
      [400, 2],
      [200, 1],
    ]);
  });
});
