import { expect, test } from "bun:test";
import { Relay } from "../../../src/relay/relay.ts";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { FakeLockout } from "./fake-cluster.ts";
import { addDevice, devOf, FakeFrames, keyOf, msgId, NOW, refusal } from "./relay-helpers.ts";

const attempt = (relay: Relay, nowMs: number, verifies: boolean) =>
  relay.authenticate({
    nowMs,
    address: "10.9.0.1",
    messageId: msgId(),
    timestampMs: nowMs,
    deviceId: devOf(1),
    publicKey: keyOf(1),
    verifySignature: () => verifies,
  });

test("cluster mode: failures counted on one instance lock the device out on another (§6.3 shared)", async () => {
  const store = new MemoryStore();
  const lockout = new FakeLockout();
  await addDevice(store, 1);
  const [a, b] = [0, 1].map(
    () => new Relay({ store, frames: new FakeFrames(), settings: NCP1_DEFAULTS, lockout, clock: () => NOW }),
  ) as [Relay, Relay];
  for (let i = 0; i < 5; i++) expect((await refusal(attempt(a, NOW + i, false))).code).toBe(200);
  const locked = await refusal(attempt(b, NOW + 1_000, true));
  expect([locked.code, locked.limit, locked.retryAfterSecs]).toEqual([502, "auth_failures", 300]);
  // Without the shared store each relay counts alone: b alone has seen no failure.
  const alone = new Relay({ store, frames: new FakeFrames(), settings: NCP1_DEFAULTS, clock: () => NOW });
  expect((await attempt(alone, NOW + 1_000, true)).device.state).toBe("active");
});
