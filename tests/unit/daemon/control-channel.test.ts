import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { ControlUnavailable, sendControl } from "../../../src/daemon/control-client.ts";
import type { ControlHandler } from "../../../src/daemon/control-protocol.ts";
import { startControlServer } from "../../../src/daemon/control-server.ts";
import { endpointFile, instancePaths } from "../../../src/daemon/instance-paths.ts";
import { NorcError } from "../../../src/errors.ts";
import { tempDir } from "../../helpers/binary.ts";

const handler: ControlHandler = {
  async status() {
    return {
      pid: 42,
      supervised: false,
      version: "test",
      startedAtMs: 0,
      restarts: 0,
      start: { argv: ["-c", "x.toml"], cwd: "/", daemon: true },
    };
  },
  async reload() {
    return { result: "rejected", problems: ["network.port: must be a number"] };
  },
  stop: (mode) => (mode === "now" ? [1, 2] : [1]),
  async device(request) {
    if (request.action === "show") throw new NorcError(`no device ${request.id}`, 1);
    return { devices: [] };
  },
  backup: async (output) => ({ file: output ?? "/data/backups/x.db.zst", bytes: 10, durationMs: 1 }),
};

describe.each([
  ["a Unix socket (Linux, macOS)", "linux"],
  ["a token-guarded loopback port (Windows)", "win32"],
] as const)("the control channel over %s", (_name, platform) => {
  test("is 0600, answers each operation, replaces a stale file, and is removed on close", async () => {
    const dir = tempDir();
    try {
      const { endpoint } = instancePaths(join(dir.path, "x.pid"), platform);
      const file = endpointFile(endpoint);
      writeFileSync(file, "left by a killed instance");
      const server = startControlServer(endpoint, handler);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const status = await sendControl(endpoint, { op: "status" });
      expect(status).toMatchObject({ ok: true, status: { pid: 42, start: { argv: ["-c", "x.toml"] } } });
      expect(await sendControl(endpoint, { op: "reload" })).toEqual({
        ok: true,
        reload: { result: "rejected", problems: ["network.port: must be a number"] },
      });
      expect(await sendControl(endpoint, { op: "stop", mode: "now" })).toEqual({
        ok: true,
        stopping: [1, 2],
      });
      expect(await sendControl(endpoint, { op: "device", request: { action: "list" } })).toEqual({
        ok: true,
        device: { devices: [] },
      });
      expect(await sendControl(endpoint, { op: "device", request: { action: "show", id: "ab" } })).toEqual({
        ok: false,
        error: "no device ab",
        exitCode: 1,
      });
      server.close();
      expect(existsSync(file)).toBe(false);
      expect(sendControl(endpoint, { op: "status" })).rejects.toBeInstanceOf(ControlUnavailable);
    } finally {
      dir.cleanup();
    }
  });
});

test("the loopback channel refuses a request without the token from its 0600 file", async () => {
  const dir = tempDir();
  try {
    const { endpoint } = instancePaths(join(dir.path, "x.pid"), "win32");
    const server = startControlServer(endpoint, handler);
    try {
      const { port } = JSON.parse(readFileSync(endpointFile(endpoint), "utf8")) as { port: number };
      const reply = await new Promise<string>((resolve) => {
        const socket = createConnection({ host: "127.0.0.1", port }, () =>
          socket.write('{"op":"status","token":"guess"}\n'),
        );
        let text = "";
        socket.on("data", (chunk) => {
          text += chunk.toString();
        });
        socket.on("close", () => resolve(text));
      });
      expect(JSON.parse(reply)).toEqual({
        ok: false,
        error: "control request refused: wrong or missing token",
      });
    } finally {
      server.close();
    }
  } finally {
    dir.cleanup();
  }
});
