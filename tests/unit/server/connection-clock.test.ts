import { afterEach, expect, test } from "bun:test";
import type { Socket } from "bun";
import { Connection, type SocketData } from "../../../src/server/connection.ts";
import { type ConnectionLimits, ConnectionRegistry } from "../../../src/server/connection-registry.ts";
import { ServerStats } from "../../../src/server/server-stats.ts";
import { DEFAULT_SLOW_CONSUMER } from "../../../src/server/slow-consumer.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";
import { until } from "../../helpers/until.ts";

// Found by scripts/faults/clock-steps.ts: connection_timeout_secs and write_stall_timeout_secs ran
// on the wall clock, so a step forward of 10 minutes cut every pre-auth or stalled connection at
// the next sweep, and a step back kept them for 10 more minutes. They run on the monotonic clock.

const realNow = Date.now;
afterEach(() => {
  Date.now = realNow;
});

/** Moves the wall clock (Date.now) by `ms` from here on, as an NTP step would. */
function stepWallClock(ms: number): void {
  Date.now = () => realNow() + ms;
}

function connection(accept: number, limits: ConnectionLimits, stats: ServerStats) {
  const state = { terminated: false };
  const socket = {
    write: (bytes: Uint8Array) => Math.min(bytes.length, accept),
    end: () => {},
    terminate: () => {
      state.terminated = true;
    },
    getTLSVersion: () => "",
  } as unknown as Socket<SocketData>;
  const made = new Connection(socket, "192.0.2.1:9", false, memoryLogger(), stats, () => limits);
  made.establish((context) => ({
    onData: (bytes) => context.send(new Uint8Array(bytes.length * 100)),
    onShutdown: () => {},
    onClose: () => {},
  }));
  return { connection: made, state };
}

const limits = (overrides: Partial<ConnectionLimits>): ConnectionLimits => ({
  maxConnections: 10,
  timeoutMs: 60_000,
  writeStallMs: 60_000,
  ...DEFAULT_SLOW_CONSUMER,
  ...overrides,
});

test("a wall clock stepped forward 10 minutes cuts neither an idle pre-auth connection nor a stalled one", async () => {
  const stats = new ServerStats();
  const registry = new ConnectionRegistry(limits({ timeoutMs: 60_000, writeStallMs: 60_000 }), stats);
  const idle = connection(1 << 20, registry.limits, stats);
  const stalled = connection(0, registry.limits, stats);
  registry.add(idle.connection);
  registry.add(stalled.connection);
  stalled.connection.receive(new Uint8Array(10)); // 1,000 bytes the kernel does not take
  expect(stalled.connection.bufferedBytes()).toBe(1_000);
  stepWallClock(600_000);
  const sweeps = stats.rejected.timeout + stats.rejected.slow_consumer;
  await Bun.sleep(1_300); // the registry sweeps once a second
  expect([idle.state.terminated, stalled.state.terminated]).toEqual([false, false]);
  expect(stats.rejected.timeout + stats.rejected.slow_consumer).toBe(sweeps);
  registry.stop();
});

test("a wall clock stepped back 10 minutes still cuts a stalled connection at write_stall_timeout", async () => {
  const stats = new ServerStats();
  const registry = new ConnectionRegistry(limits({ writeStallMs: 1_000 }), stats);
  const stalled = connection(0, registry.limits, stats);
  registry.add(stalled.connection);
  stalled.connection.receive(new Uint8Array(10));
  stepWallClock(-600_000);
  await until(() => stalled.state.terminated, "the stalled connection cut", 3_000);
  expect(stats.rejected.slow_consumer).toBe(1);
  registry.stop();
});
