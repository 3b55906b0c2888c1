import { expect, test } from "bun:test";
import { Relay } from "../../../src/relay/relay.ts";
import { NCP1_DEFAULTS } from "../../../src/relay/settings.ts";
import { LiveDevice } from "../../../src/session/live-device.ts";
import { relayFrames } from "../../../src/session/relay-frames.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { device, id, sendWork } from "../store/store-fixtures.ts";
import { testIdentity } from "./session-helpers.ts";

/** Device 2 with `count` queued messages, and a LiveDevice over a connection that never drains. */
async function stuckConsumer(count: number, overrides: Partial<typeof NCP1_DEFAULTS>) {
  const store = new MemoryStore();
  await store.commit({
    writes: [
      { type: "putDevice", device: device(1) },
      { type: "putDevice", device: device(2) },
    ],
  });
  for (let n = 1; n <= count; n++) await store.commit(sendWork(n, 1, 2, { size: 100, atMs: Date.now() }));
  const relay = new Relay({
    store,
    frames: relayFrames(testIdentity()),
    settings: { ...NCP1_DEFAULTS, ...overrides },
  });
  const io = { frames: 0, bytes: 0, cut: [] as string[], ended: [] as number[] };
  const live = new LiveDevice(
    relay,
    {
      device: device(2),
      sessionId: id(9),
      expiresAtMs: Date.now() + 60_000,
      messageLimit: 10_000,
      queued: count,
    },
    {
      sendInner: (frame) => {
        io.frames++;
        io.bytes += frame.byteLength;
      },
      bufferedBytes: () => io.bytes,
      bufferedFrames: () => io.frames,
      cutOff: (reason) => io.cut.push(reason),
      end: (error) => io.ended.push(error.code),
      warn: () => {},
    },
    Date.now,
  );
  return { store, live, io };
}

test("§7.3: a consumer over outbound_max_frames is cut off without an error frame; its queue keeps every entry", async () => {
  const { store, live, io } = await stuckConsumer(10, { outboundMaxFrames: 3 });
  await Bun.sleep(20);
  expect(io.frames).toBe(4);
  expect(io.cut).toEqual([expect.stringContaining("outbound_max_frames 3")]);
  expect(io.ended).toEqual([]);
  await live.detach();
  expect((await store.queueStats(id(2))).frames).toBe(10);
});

test("§7.3: pushes stop at outbound_high_water; nothing written for write_stall_timeout cuts the consumer off", async () => {
  const { live, io } = await stuckConsumer(10, { outboundHighWaterBytes: 250, writeStallTimeoutMs: 40 });
  await Bun.sleep(10);
  expect(io.frames).toBe(3);
  expect(io.cut).toEqual([]);
  await Bun.sleep(60);
  expect(io.cut).toEqual([expect.stringContaining("write_stall_timeout")]);
  await live.detach();
});
