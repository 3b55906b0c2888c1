import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { Connection, type SocketData } from "../../../src/server/connection.ts";
import { type ConnectionLimits, ConnectionRegistry } from "../../../src/server/connection-registry.ts";
import { ServerStats } from "../../../src/server/server-stats.ts";
import { DEFAULT_SLOW_CONSUMER, framesLeft } from "../../../src/server/slow-consumer.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";
import { until } from "../../helpers/until.ts";

/** A socket whose kernel takes `accept()` bytes per write; records whether it was terminated. */
function slowSocket(accept: () => number) {
  const state = { terminated: false, written: 0 };
  const socket = {
    write: (bytes: Uint8Array) => {
      const taken = Math.min(bytes.length, accept());
      state.written += taken;
      return taken;
    },
    end: () => {},
    terminate: () => {
      state.terminated = true;
    },
    getTLSVersion: () => "",
  } as unknown as Socket<SocketData>;
  return { socket, state };
}

const limits = (overrides: Partial<ConnectionLimits> = {}): ConnectionLimits => ({
  maxConnections: 10,
  timeoutMs: 60_000,
  writeStallMs: 1_000,
  ...DEFAULT_SLOW_CONSUMER,
  ...overrides,
});

/** A connection over `socket` whose handler sends one frame of `size` bytes per byte received. */
function sendingConnection(
  socket: Socket<SocketData>,
  current: () => ConnectionLimits,
  stats = new ServerStats(),
) {
  const logger = memoryLogger();
  const connection = new Connection(socket, "192.0.2.1:9", false, logger, stats, current);
  connection.establish((context) => ({
    onData: (bytes) => {
      for (const size of bytes) context.send(new Uint8Array(size));
    },
    onShutdown: () => {},
    onClose: () => {},
  }));
  return {
    connection,
    logger,
    stats,
    frames: (...sizes: number[]) => connection.receive(Uint8Array.from(sizes)),
  };
}

describe("slow consumer (NCP-1 §7.3)", () => {
  test("framesLeft: whole frames written drop out, a partly written one counts with its rest", () => {
    expect(framesLeft([10, 10, 10], 0)).toEqual([10, 10, 10]);
    expect(framesLeft([10, 10, 10], 10)).toEqual([10, 10]);
    expect(framesLeft([10, 10, 10], 15)).toEqual([5, 10]);
    expect(framesLeft([10, 10, 10], 30)).toEqual([]);
  });

  test("more unsent frames than outbound_max_frames: closed without a word, counted as slow_consumer", () => {
    const { socket, state } = slowSocket(() => 0);
    const { frames, stats, logger } = sendingConnection(socket, () => limits({ outboundMaxFrames: 3 }));
    frames(5, 5, 5);
    expect(state.terminated).toBe(false);
    frames(5);
    expect(state.terminated).toBe(true);
    expect(stats.rejected.slow_consumer).toBe(1);
    expect(logger.lines.join("\n")).toContain("queue.outbound_max_frames (3)");
  });

  test("more unsent bytes than outbound_max_bytes: closed; frames the kernel took do not count", () => {
    let room = 20;
    const { socket, state } = slowSocket(() => {
      const taken = room;
      room = 0;
      return taken;
    });
    const { frames } = sendingConnection(socket, () =>
      limits({ outboundMaxBytes: 30, outboundMaxFrames: 2 }),
    );
    frames(10, 10, 10, 10); // 20 written, 2 frames (20 bytes) wait
    expect(state.terminated).toBe(false);
    frames(10); // 30 bytes in 3 frames wait: over the frame bound
    expect(state.terminated).toBe(true);
  });

  test("the limits are read live: a lowered bound applies to the next write", () => {
    const { socket, state } = slowSocket(() => 0);
    let current = limits();
    const { frames } = sendingConnection(socket, () => current);
    frames(100, 100);
    current = limits({ outboundMaxBytes: 250 });
    frames(100);
    expect(state.terminated).toBe(true);
  });

  test("write_stall_timeout: the sweep closes a connection that could write nothing that long; any write restarts the clock", async () => {
    let room = 0;
    const { socket, state } = slowSocket(() => room);
    const stats = new ServerStats();
    const registry = new ConnectionRegistry(limits({ writeStallMs: 1_000 }), stats);
    const { connection, frames } = sendingConnection(socket, () => registry.limits, stats);
    registry.add(connection);
    const start = performance.now();
    expect(connection.stalledForMs(start)).toBe(0);
    frames(50);
    expect(registry.sweep(start + 900)).toBe(0);
    await Bun.sleep(600);
    room = 10;
    connection.drain(); // 10 bytes written: progress, the clock starts again
    room = 0;
    const progressAt = performance.now();
    expect(registry.sweep(start + 1_500)).toBe(0);
    expect(state.terminated).toBe(false);
    expect(registry.sweep(progressAt + 1_100)).toBe(1);
    expect(state.terminated).toBe(true);
    expect([stats.rejected.slow_consumer, stats.rejected.timeout]).toEqual([1, 0]);
    registry.stop();
  });

  test("everything written: nothing waits, no stall", () => {
    const { socket } = slowSocket(() => Number.MAX_SAFE_INTEGER);
    const { connection, frames } = sendingConnection(socket, () => limits());
    frames(5, 5);
    expect(connection.bufferedBytes()).toBe(0);
    expect(connection.stalledForMs(Date.now() + 10_000)).toBe(0);
  });
});

describe("CLOSING (NCP-1 §7.1)", () => {
  test("a connection closed with frames the peer does not take is cut after closingFlushMs", async () => {
    const { socket, state } = slowSocket(() => 0);
    const { connection, frames } = sendingConnection(socket, () => limits({ closingFlushMs: 30 }));
    frames(10);
    connection.close("error 101");
    expect(state.terminated).toBe(false);
    await until(() => state.terminated, "the cut after the flush time");
  });

  test("a connection whose last frames were written ends at once, without a cut", async () => {
    const ended = { end: false };
    const { socket, state } = slowSocket(() => Number.MAX_SAFE_INTEGER);
    (socket as unknown as { end: () => void }).end = () => {
      ended.end = true;
    };
    const { connection, frames } = sendingConnection(socket, () => limits({ closingFlushMs: 10 }));
    frames(10);
    connection.close("done");
    await Bun.sleep(30);
    expect([ended.end, state.terminated]).toEqual([true, false]);
  });
});
