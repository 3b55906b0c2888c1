import { expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ControlUnavailable, sendControl } from "../../../src/daemon/control-client.ts";
import type { ControlHandler } from "../../../src/daemon/control-protocol.ts";
import { startControlServer } from "../../../src/daemon/control-server.ts";
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
};

test("the control socket is 0600, answers each operation, replaces a stale socket file, and is removed on close", async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, "x.sock");
    writeFileSync(path, "left by a killed instance");
    const server = startControlServer(path, handler);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const status = await sendControl(path, { op: "status" });
    expect(status).toMatchObject({ ok: true, status: { pid: 42, start: { argv: ["-c", "x.toml"] } } });
    expect(await sendControl(path, { op: "reload" })).toEqual({
      ok: true,
      reload: { result: "rejected", problems: ["network.port: must be a number"] },
    });
    expect(await sendControl(path, { op: "stop", mode: "now" })).toEqual({ ok: true, stopping: [1, 2] });
    server.close();
    expect(existsSync(path)).toBe(false);
    expect(sendControl(path, { op: "status" })).rejects.toBeInstanceOf(ControlUnavailable);
  } finally {
    dir.cleanup();
  }
});
