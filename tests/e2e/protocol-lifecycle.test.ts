import { expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fuzzServer } from "../../scripts/fuzz-server.ts";
import { connectNcp } from "../../src/client/ncp-client.ts";
import { tempDir } from "../helpers/binary.ts";
import { startNcpServer } from "./protocol-server.ts";

test("the identity key is created once (0600) and the same fingerprint is served after a restart", async () => {
  const dir = tempDir();
  try {
    const first = await startNcpServer(dir.path, { plain: true });
    await first.process.kill();
    const keyFile = join(dir.path, "data", "server-identity.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = await startNcpServer(dir.path, { plain: true });
    try {
      expect(second.fingerprint).toBe(first.fingerprint);
      expect(second.process.output()).not.toContain("created the server identity key");
      const connection = await connectNcp({ host: "127.0.0.1", port: second.port, pin: first.fingerprint });
      connection.close();
    } finally {
      await second.process.kill();
    }
  } finally {
    dir.cleanup();
  }
});

test("SIGTERM: a keyed client receives Error 501 with retry_after, then the server exits 0", async () => {
  const dir = tempDir();
  const server = await startNcpServer(dir.path, { plain: true });
  try {
    const connection = await connectNcp({ host: "127.0.0.1", port: server.port, pin: server.fingerprint });
    server.process.child.kill("SIGTERM");
    await connection.closed;
    const error = connection.endedBy();
    expect(error?.code).toBe(501);
    expect(error?.retryAfterSecs).toBeGreaterThan(0);
    expect(await server.process.child.exited).toBe(0);
  } finally {
    await server.process.kill();
    dir.cleanup();
  }
});

test("2,000 fuzzed frames: the server keeps serving a canary client throughout", async () => {
  const dir = tempDir();
  // Every fuzzing connection comes from 127.0.0.1: lift the per-address handshakes limit (§10).
  const extra = "[limits]\nhandshakes_burst = 100000\nhandshakes_per_minute = 100000\n";
  const server = await startNcpServer(dir.path, { plain: true, extra });
  try {
    const stats = await fuzzServer({ host: "127.0.0.1", port: server.port, frames: 2_000, concurrency: 20 });
    expect(stats.framesSent).toBe(2_000);
    expect(stats.canaryErrors).toEqual([]);
    expect(stats.canaryOk).toBeGreaterThan(0);
    const after = await connectNcp({ host: "127.0.0.1", port: server.port, pin: server.fingerprint });
    await after.ping();
    after.close();
    expect(server.process.child.exitCode).toBeNull();
    expect(server.process.output()).not.toMatch(/internal error|ERROR/);
  } finally {
    await server.process.kill();
    dir.cleanup();
  }
}, 60_000);
