import { describe, expect, test } from "bun:test";
import { LiveDevice, type LiveDeviceIo } from "../../../src/session/live-device.ts";
import { until } from "../../helpers/until.ts";
import { addDevice, NOW, newRelay, sendRequest } from "../relay/relay-helpers.ts";

/** Waits until `count` frames were pushed, then a little longer to see that no more come. */
async function pushedExactly(sent: Uint8Array[], count: number): Promise<number> {
  await until(() => sent.length >= count, `${count} pushes`);
  await Bun.sleep(20);
  return sent.length;
}

/** An io whose socket takes nothing until `drain()`: every frame stays unwritten. */
function stuckIo() {
  const sent: Uint8Array[] = [];
  let drained = 0;
  const io: LiveDeviceIo = {
    sendInner: (frame) => sent.push(frame),
    bufferedBytes: () => sent.slice(drained).reduce((total, frame) => total + frame.length, 0),
    bufferedFrames: () => sent.length - drained,
    end: () => {},
    warn: (message) => {
      throw new Error(message);
    },
  };
  return { io, sent, drain: () => (drained = sent.length) };
}

describe("LiveDevice pushes (§7.3 outbound)", () => {
  test("queued entries stop at half of outbound_max_frames unwritten (small frames), and go on once written", async () => {
    const { relay, store } = newRelay({ outboundMaxFrames: 6, deliveryWindow: 100 });
    await addDevice(store, 1, "alice");
    const bob = await addDevice(store, 2, "bob");
    for (let i = 0; i < 8; i++) await relay.send(sendRequest(1, 2));
    const { io, sent, drain } = stuckIo();
    const outcome = {
      device: bob,
      sessionId: new Uint8Array(32).fill(9),
      expiresAtMs: NOW + 3_600_000,
      messageLimit: 10_000,
      queued: 8,
    };
    const live = new LiveDevice(relay, outcome, io, () => NOW);
    expect(await pushedExactly(sent, 3)).toBe(3);
    drain();
    live.wake();
    expect(await pushedExactly(sent, 6)).toBe(6);
    drain();
    live.wake();
    expect(await pushedExactly(sent, 8)).toBe(8);
    await live.detach();
  });

  test("queued entries held back by this event's frames go on once the socket took them all (no drain event follows)", async () => {
    const { relay, store } = newRelay({ outboundMaxFrames: 6, deliveryWindow: 100 });
    await addDevice(store, 1, "alice");
    const bob = await addDevice(store, 2, "bob");
    for (let i = 0; i < 8; i++) await relay.send(sendRequest(1, 2));
    const sent: Uint8Array[] = [];
    let queued: Uint8Array[] = [];
    // A socket that takes everything at the end of the event, as the kernel does when it has room.
    const io: LiveDeviceIo = {
      sendInner: (frame) => {
        sent.push(frame);
        if (queued.push(frame) === 1) queueMicrotask(() => (queued = []));
      },
      bufferedBytes: () => queued.reduce((total, frame) => total + frame.length, 0),
      bufferedFrames: () => queued.length,
      end: () => {},
      warn: (message) => {
        throw new Error(message);
      },
    };
    const outcome = {
      device: bob,
      sessionId: new Uint8Array(32).fill(9),
      expiresAtMs: NOW + 3_600_000,
      messageLimit: 10_000,
      queued: 8,
    };
    const live = new LiveDevice(relay, outcome, io, () => NOW);
    expect(await pushedExactly(sent, 8)).toBe(8);
    await live.detach();
  });
});
