import { expect, test } from "bun:test";
import type { Connection } from "../../../src/server/connection.ts";
import { ConnectionRegistry } from "../../../src/server/connection-registry.ts";
import { ServerStats } from "../../../src/server/server-stats.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

function idleConnection(ownsIdleTimeout: boolean) {
  const state = { terminated: false };
  const connection = {
    peer: "127.0.0.1:1",
    lastReceiveMs: 0,
    stalledForMs: () => 0,
    log: memoryLogger(),
    handler: { onData() {}, onShutdown() {}, onClose() {}, ownsIdleTimeout: () => ownsIdleTimeout },
    terminate: () => {
      state.terminated = true;
    },
  };
  return { connection: connection as unknown as Connection, state };
}

test("connection_timeout_secs closes idle connections, except those whose protocol runs its own idle timeout", () => {
  const registry = new ConnectionRegistry(
    {
      maxConnections: 10,
      timeoutMs: 1000,
      writeStallMs: 60_000,
      outboundMaxBytes: 1 << 23,
      outboundMaxFrames: 1000,
      closingFlushMs: 2000,
    },
    new ServerStats(),
  );
  const keyed = idleConnection(false);
  const authenticated = idleConnection(true);
  registry.add(keyed.connection);
  registry.add(authenticated.connection);
  expect(registry.sweep(5000)).toBe(1);
  expect([keyed.state.terminated, authenticated.state.terminated]).toEqual([true, false]);
  expect(registry.size).toBe(1);
  registry.stop();
});
