import { afterEach, describe, expect, test } from "bun:test";
import { Relay } from "../../../src/relay/relay.ts";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import type { Store } from "../../../src/store/ports.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { ackRequest, devOf, FakeFrames, hex, keyOf, NOW, sendRequest, text } from "./relay-helpers.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function openRelay(path: string): Promise<{ relay: Relay; store: Store }> {
  const store = await SqliteStore.open(path);
  const limits = { ...NCP1_DEFAULTS.limits, messages: { burst: 10_000, perSecond: 1000 } };
  const relay = new Relay({
    store,
    frames: new FakeFrames(),
    settings: { ...NCP1_DEFAULTS, limits },
    clock: () => NOW,
  });
  return { relay, store };
}

async function addDevices(store: Store, users: string[]): Promise<void> {
  const writes = users.map((userId, i) => ({
    type: "putDevice" as const,
    device: {
      id: devOf(i + 1),
      publicKey: keyOf(i + 1),
      userId,
      state: "active" as const,
      info: "",
      capabilities: 0,
      registeredAtMs: NOW + i,
      updatedAtMs: NOW + i,
    },
  }));
  await store.commit({ writes });
}

describe("the relay over the SQLite store (group commit)", () => {
  test("concurrent sends resolve after their commits; everything accepted survives a reopen, in order per sender", async () => {
    const dir = tempDir("norc-relay-");
    cleanups.push(dir.cleanup);
    const first = await openRelay(dir.path);
    await addDevices(first.store, ["alice", "bob", "carol"]);
    const fromAlice = Array.from({ length: 150 }, () => sendRequest(1, 3));
    const fromBob = Array.from({ length: 150 }, () => sendRequest(2, 3));
    const outcomes = await Promise.all(
      [...fromAlice, ...fromBob].map((request) => first.relay.send(request)),
    );
    expect(outcomes.every((o) => !o.duplicate)).toBe(true);
    await first.store.close();

    const second = await openRelay(dir.path);
    cleanups.push(() => second.store.close());
    const queued = await second.store.mailboxPage(devOf(3), 0, 1000);
    const order = (sender: number) =>
      queued.filter((e) => hex(e.sender) === hex(devOf(sender))).map((e) => text(e.frame));
    expect(order(1)).toEqual(fromAlice.map((r) => text(r.frame)));
    expect(order(2)).toEqual(fromBob.map((r) => text(r.frame)));
    const resend = { ...(fromAlice[7] as (typeof fromAlice)[number]), timestampMs: NOW + 1 };
    expect(await second.relay.send(resend)).toEqual({ duplicate: true });

    await Promise.all(fromAlice.map((r) => second.relay.ack(ackRequest(3, 1, r.messageId))));
    expect((await second.store.queueStats(devOf(3))).frames).toBe(150);
    expect((await second.store.queueStats(devOf(1))).frames).toBe(150);
    const revoked = await second.relay.operatorRevoke(devOf(3), NOW);
    expect(revoked.status).toBe("revoked");
    expect((await second.store.queueStats(devOf(2))).frames).toBe(150);
  });
});
